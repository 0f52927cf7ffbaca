"""Request and response schemas of the credit entitlements API, field by field as the
official client's `credit_entitlements` types have them (amounts as decimal strings)."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from customers.api.common import (
    NON_BLANK,
    AwareDatetime,
    BodySchema,
    Currency,
    IdQuery,
    Metadata,
    Name,
    Out,
    PageParams,
    Text,
    _not_blank,
    integer,
    matching,
)
from customers.models import TimeInterval
from wallets.credits.amounts import credits_text
from wallets.credits.entitlements import MAX_COUNT, MAX_DAYS, MAX_OVERAGE, MAX_THRESHOLDS
from wallets.credits.models import (
    GrantSource,
    OverageBehavior,
    TransactionType,
)

# A positive decimal below 10^10 with at most 3 decimals, no sign or exponent. Whether
# it has more decimals than the entitlement's precision is the entitlement's rule
# (CREDIT_AMOUNT_PRECISION).
AMOUNT_PATTERN = r"^([1-9][0-9]{0,9}(\.[0-9]{1,3})?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
PRICE_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,12})?$"
Unit = Annotated[
    Text,
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": NON_BLANK}),
    AfterValidator(_not_blank),
]
Price = Annotated[Text, matching(PRICE_PATTERN)]
Interval = Literal[tuple(TimeInterval.values)]
Behavior = Literal[tuple(OverageBehavior.values)]
Threshold = integer(ge=1, le=MAX_OVERAGE - 1)


class CreditEntitlementFields(BodySchema):
    """What create and update share; every field optional here."""

    currency: Currency | None = Field(None, description="Required with price_per_unit.")
    description: Annotated[Text, Field(max_length=1000)] | None = None
    expires_after_days: integer(ge=1, le=MAX_DAYS) | None = Field(
        None, description="Credits of a grant expire this many days after it; null: never."
    )
    max_rollover_count: integer(ge=0, le=MAX_COUNT) | None = None
    overage_behavior: Behavior | None = Field(None, description="Default forgive_at_reset.")
    overage_limit: integer(ge=0, le=MAX_OVERAGE) | None = Field(
        None, description="Whole credits of overage allowed; null: no limit."
    )
    price_per_unit: Price | None = Field(
        None, description="Decimal text, e.g. 0.002; needs currency."
    )
    rollover_percentage: integer(ge=0, le=100) | None = None
    rollover_timeframe_count: integer(ge=1, le=MAX_COUNT) | None = Field(
        None, description="With rollover_timeframe_interval (both or neither)."
    )
    rollover_timeframe_interval: Interval | None = None
    low_balance_thresholds: list[Threshold] | None = Field(
        None,
        max_length=MAX_THRESHOLDS,
        json_schema_extra={"uniqueItems": True},
        description="Extension: whole-credit balances that send credit.balance_low "
        "when crossed downwards (up to 5, different).",
    )


class CreditEntitlementIn(CreditEntitlementFields):
    name: Name
    overage_enabled: bool
    precision: integer(ge=0, le=3) = Field(..., description="Decimals of amounts, 0–3.")
    rollover_enabled: bool
    unit: Unit


class CreditEntitlementPatch(CreditEntitlementFields):
    name: Name | None = Field(None, description="null leaves it unchanged.")
    overage_enabled: bool | None = None
    rollover_enabled: bool | None = None
    unit: Unit | None = None


class CreditEntitlementOut(Out):
    id: str = Field(..., examples=["cde_0NXqZ7dO3tS0fX6pE9zV4yRcG"])
    business_id: str
    created_at: dt.datetime
    name: str
    overage_behavior: Behavior
    overage_enabled: bool
    precision: int
    rollover_enabled: bool
    unit: str
    updated_at: dt.datetime
    currency: str | None = None
    description: str | None = None
    expires_after_days: int | None = None
    max_rollover_count: int | None = None
    overage_limit: int | None = None
    price_per_unit: str | None = None
    rollover_percentage: int | None = None
    rollover_timeframe_count: int | None = None
    rollover_timeframe_interval: Interval | None = None
    low_balance_thresholds: list[int] = Field(..., description="Extension.")
    deleted: bool = Field(..., description="Extension: soft-deleted.")


class CreditEntitlementFilters(PageParams):
    deleted: bool = Field(False, description="List deleted entitlements instead.")
    locale: Text | None = Field(
        None, max_length=35, description="Accepted; no translations are stored: base text."
    )


class CreditLocaleParams(Schema):
    locale: Text | None = Field(None, max_length=35)


class CreditBalanceOut(Out):
    id: str
    balance: str
    created_at: dt.datetime
    credit_entitlement_id: str
    customer_id: str
    overage: str
    updated_at: dt.datetime
    last_transaction_at: dt.datetime | None = None


class CreditBalanceFilters(PageParams):
    customer_id: IdQuery | None = None


class CreditLedgerEntryIn(BodySchema):
    amount: Text = matching(
        AMOUNT_PATTERN,
        description="Decimal text above 0 and below 10^10, at most the entitlement's "
        "decimals (else 422 CREDIT_AMOUNT_PRECISION).",
        examples=["120", "2.5"],
    )
    entry_type: Literal["credit", "debit"]
    expires_at: AwareDatetime | None = Field(
        None,
        description="Credits only: when the new grant expires (in the future); default "
        "from the entitlement. Ignored on a debit.",
    )
    idempotency_key: Text | None = Field(
        None,
        max_length=255,
        description="A replay with the same body returns the first entry; the same key "
        "with another body is 409 IDEMPOTENCY_KEY_REUSED.",
    )
    metadata: Metadata | None = None
    reason: Text | None = Field(None, max_length=500)


class CreditLedgerEntryCreatedOut(Out):
    id: str = Field(..., examples=["cle_0NXqZ7dO3tS0fX6pE9zV4yRcG"])
    amount: str
    balance_after: str
    balance_before: str
    created_at: dt.datetime
    credit_entitlement_id: str
    customer_id: str
    entry_type: Literal["credit", "debit"]
    is_credit: bool
    metadata: dict[str, Any]
    overage_after: str
    overage_before: str
    grant_id: str | None = None
    reason: str | None = None


TRANSACTION_TYPES = Literal[tuple(TransactionType.values)]


class CreditLedgerEntryOut(Out):
    id: str
    amount: str
    balance_after: str
    balance_before: str
    brand_id: str = Field(..., description="The business ID (brands are not modelled).")
    business_id: str
    created_at: dt.datetime
    credit_entitlement_id: str
    customer_id: str
    is_credit: bool
    metadata: dict[str, Any]
    overage_after: str
    overage_before: str
    transaction_type: TRANSACTION_TYPES
    description: str | None = None
    grant_id: str | None = None
    reference_id: str | None = None
    reference_type: str | None = None


class CreditLedgerFilters(PageParams):
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    transaction_type: TRANSACTION_TYPES | None = None


class CreditGrantOut(Out):
    id: str
    created_at: dt.datetime
    credit_entitlement_id: str
    customer_id: str
    initial_amount: str
    is_expired: bool
    is_rolled_over: bool
    remaining_amount: str
    rollover_count: int
    source_type: Literal["subscription", "one_time", "addon", "api", "rollover"] = Field(
        ..., description="Promotional grants are one_time with promotional: true."
    )
    updated_at: dt.datetime
    expires_at: dt.datetime | None = None
    metadata: dict[str, Any] | None = None
    parent_grant_id: str | None = None
    source_id: str | None = None
    promotional: bool = Field(..., description="Extension: a merchant's bonus, not paid for.")


class CreditGrantFilters(PageParams):
    status: Literal["active", "expired", "depleted"] | None = None


class CreditBalanceLowOut(Out):
    """The credit.balance_low webhook's data."""

    available_balance: str
    brand_id: str
    credit_entitlement_id: str
    credit_entitlement_name: str
    customer_id: str
    subscription_credits_amount: str
    subscription_id: str
    threshold_amount: str
    threshold_percent: int


class CustomerCreditOut(Out):
    balance: str
    credit_entitlement_id: str
    name: str
    overage: str
    unit: str
    description: str | None = None


class CreditEntitlementListOut(Out):
    items: list[CreditEntitlementOut]


class CreditBalanceListOut(Out):
    items: list[CreditBalanceOut]


class CreditGrantListOut(Out):
    items: list[CreditGrantOut]


class CreditLedgerListOut(Out):
    items: list[CreditLedgerEntryOut]


class CustomerCreditListOut(Out):
    items: list[CustomerCreditOut]


def entitlement_out(e) -> dict:
    return {
        "id": e.pk,
        "business_id": e.business_id,
        "created_at": e.created_at,
        "name": e.name,
        "overage_behavior": e.overage_behavior,
        "overage_enabled": e.overage_enabled,
        "precision": e.precision,
        "rollover_enabled": e.rollover_enabled,
        "unit": e.unit,
        "updated_at": e.updated_at,
        "currency": e.currency or None,
        "description": e.description or None,
        "expires_after_days": e.expires_after_days,
        "max_rollover_count": e.max_rollover_count,
        "overage_limit": e.overage_limit,
        "price_per_unit": None if e.price_per_unit is None else _decimal(e.price_per_unit),
        "rollover_percentage": e.rollover_percentage,
        "rollover_timeframe_count": e.rollover_timeframe_count,
        "rollover_timeframe_interval": e.rollover_timeframe_interval or None,
        "low_balance_thresholds": e.low_balance_thresholds or [],
        "deleted": e.is_deleted,
    }


def _decimal(value) -> str:
    text = format(value.normalize(), "f")
    return text


def balance_out(b, precision: int) -> dict:
    return {
        "id": b.pk,
        "balance": credits_text(b.balance, precision),
        "created_at": b.created_at,
        "credit_entitlement_id": b.entitlement_id,
        "customer_id": b.customer_id,
        "overage": credits_text(b.overage, precision),
        "updated_at": b.updated_at,
        "last_transaction_at": b.last_transaction_at,
    }


def created_entry_out(e, precision: int) -> dict:
    return {
        "id": e.pk,
        "amount": credits_text(e.amount, precision),
        "balance_after": credits_text(e.balance_after, precision),
        "balance_before": credits_text(e.balance_before, precision),
        "created_at": e.created_at,
        "credit_entitlement_id": e.entitlement_id,
        "customer_id": e.customer_id,
        "entry_type": "credit" if e.is_credit else "debit",
        "is_credit": e.is_credit,
        "metadata": e.metadata or {},
        "overage_after": credits_text(e.overage_after, precision),
        "overage_before": credits_text(e.overage_before, precision),
        "grant_id": e.grant_id,
        "reason": e.reason or None,
    }


def entry_out(e, precision: int) -> dict:
    return {
        **created_entry_out(e, precision),
        "brand_id": e.business_id,
        "business_id": e.business_id,
        "transaction_type": e.transaction_type,
        "description": e.reason or None,
        "reference_id": e.reference_id or None,
        "reference_type": e.reference_type or None,
    }


def grant_out(g, precision: int) -> dict:
    promotional = g.source_type == GrantSource.PROMOTIONAL
    return {
        "id": g.pk,
        "created_at": g.created_at,
        "credit_entitlement_id": g.entitlement_id,
        "customer_id": g.customer_id,
        "initial_amount": credits_text(g.initial_amount, precision),
        "is_expired": g.is_expired,
        "is_rolled_over": g.is_rolled_over,
        "remaining_amount": credits_text(g.remaining_amount, precision),
        "rollover_count": g.rollover_count,
        "source_type": GrantSource.ONE_TIME if promotional else g.source_type,
        "updated_at": g.updated_at,
        "expires_at": g.expires_at,
        "metadata": g.metadata or {},
        "parent_grant_id": g.parent_grant_id,
        "source_id": g.source_id or None,
        "promotional": promotional,
    }
