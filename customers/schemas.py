"""Request and response schemas of the customers API (`customers/api.py`).

Field names, types and required-ness follow `api-contract.md` (Dodo Payments'
public API): every key the contract marks required is always sent; concepts we do
not model are sent as null, [] or a documented constant. Input schemas ignore keys
they do not know, so a newer client's extra fields do not break a request.
"""

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from customers.core.validation import normalize_phone, validate_metadata
from customers.models import LOCALE_CHOICES

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1  # PositiveIntegerField on PostgreSQL

# The contract's 145 ISO 4217 codes (api-contract.md §4).
CURRENCIES = (  # noqa: SIM905 (a list literal would be 145 lines)
    "AED ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN "
    "BZD CAD CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD JMD JOD JPY KES KGS KHR KMF KRW "
    "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR "
    "MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD "
    "SCR SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SZL THB TND TOP TRY TTD TWD TZS UAH UGX USD "
    "UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW"
).split()
Currency = Literal[tuple(CURRENCIES)]
Locale = Literal[tuple(code for code, _name in LOCALE_CHOICES)]
IntentStatus = Literal[
    "succeeded",
    "failed",
    "cancelled",
    "processing",
    "requires_customer_action",
    "requires_merchant_action",
    "requires_payment_method",
    "requires_confirmation",
    "requires_capture",
    "partially_captured",
    "partially_captured_and_capturable",
]
RefundStatus = Literal["succeeded", "failed", "pending", "review"]
SubscriptionStatus = Literal[
    "pending", "active", "on_hold", "paused", "cancelled", "failed", "expired", "past_due"
]
TimeInterval = Literal["Day", "Week", "Month", "Year"]
LicenseKeyStatus = Literal["active", "expired", "disabled"]
CancelReason = Literal[
    "cancelled_by_customer",
    "cancelled_by_merchant",
    "cancelled_by_merchant_send_dunning",
    "cancelled_by_merchant_grace_period_expired",
    "dodo_team",
]
CancellationFeedback = Literal[
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "low_quality",
    "too_complex",
    "other",
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _django_message(exc: DjangoValidationError) -> str:
    return str(exc.messages[0]) if exc.messages else "is not valid"


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_phone(value) or None
    except DjangoValidationError as exc:
        raise ValueError(_django_message(exc)) from exc


def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("is not a valid e-mail address") from exc
    return value


def _metadata(value: Any) -> Any:
    if value is None:
        return None
    try:
        validate_metadata(value)
    except DjangoValidationError as exc:
        raise ValueError(_django_message(exc)) from exc
    for item in value.values():
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("metadata numbers must be finite")
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > INT64_MAX:
            raise ValueError("metadata integers must fit in 64 bits")
        if isinstance(item, str):
            _no_nul(item)
    for key in value:
        _no_nul(key)
    return value


_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _iso_only(value: Any) -> Any:
    """ISO 8601 only: pydantic would also read numbers as Unix timestamps."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.match(value.strip()):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2025-08-04T05:43:19Z")
    return value.strip()


def _aware(value: dt.datetime) -> dt.datetime:
    """In UTC; naive times are read as UTC. (PostgreSQL refuses offsets past ±16 h.)"""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc


Text = Annotated[StrictStr, AfterValidator(_no_nul)]
QueryText = Annotated[str, AfterValidator(_no_nul)]
Email = Annotated[Text, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[Text, Field(max_length=40), AfterValidator(_phone)]
Metadata = Annotated[
    dict[str, Any],
    AfterValidator(_metadata),
    Field(
        description="Up to 50 keys (≤ 40 characters); values are text (≤ 500 characters), "
        "numbers or booleans.",
        examples=[{"plan": "pro", "seats": 3}],
    ),
]
AwareDatetime = Annotated[dt.datetime, BeforeValidator(_iso_only), AfterValidator(_aware)]


class BodySchema(Schema):
    """A JSON request body: an object, never a list, string or number."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_an_object(cls, data: Any) -> Any:
        raw = getattr(data, "_obj", data)  # ninja wraps the input in a DjangoGetter
        if not isinstance(raw, dict):
            raise ValueError("the body must be a JSON object")
        return data


class Out(BaseModel):
    """A response body. Plain pydantic, not ninja.Schema: handlers return dicts, and
    validating those directly (without ninja's attribute-getter wrapper) costs a
    fraction of the time on every list item."""


class ErrorOut(Out):
    """Every error: a stable upper-case code and a human message."""

    code: str = Field(..., examples=["NOT_FOUND"])
    message: str = Field(..., examples=["Not found."])


class PageParams(Schema):
    page_number: int = Field(
        0,
        ge=0,
        le=1_000_000_000,
        description="Zero-based page number. Pages that start past the OFFSET cap "
        '(10,000 rows) return `{"items": []}`.',
    )
    page_size: int = Field(
        10, ge=1, le=100, description="Items per page, 1–100 (default 10); others get 422."
    )


class CreatedRange(Schema):
    created_at_gte: AwareDatetime | None = Field(
        None, description="Created at or after (ISO 8601; naive times are UTC)."
    )
    created_at_lte: AwareDatetime | None = Field(
        None, description="Created at or before (ISO 8601; naive times are UTC)."
    )


# ---------------------------------------------------------------- customers (§5)


class CustomerLimitedOut(Out):
    customer_id: str = Field(..., examples=["cus_0NXqXc9RmC4JeVHhp3oSuLBOt"])
    email: str
    name: str
    metadata: dict[str, Any] | None = None
    phone_number: str | None = None


class CustomerOut(Out):
    customer_id: str = Field(..., examples=["cus_0NXqXc9RmC4JeVHhp3oSuLBOt"])
    business_id: str = Field(..., examples=["bus_0NXqXaA6mY4l8S3bQvPcdhE1L"])
    email: str = Field(..., examples=["ada@example.com"])
    name: str = Field(..., examples=["Ada Lovelace"])
    created_at: dt.datetime
    phone_number: str | None = Field(None, description="E.164", examples=["+14155550134"])
    metadata: dict[str, Any] = Field(default_factory=dict)
    preferred_locale: str | None = Field(None, description="null means English e-mails.")
    blocked_at: dt.datetime | None = Field(None, description="Always null: no blocklist.")
    blocklist_entry_id: str | None = Field(None, description="Always null: no blocklist.")


class CustomerListOut(Out):
    items: list[CustomerOut]


class CustomerFilters(PageParams, CreatedRange):
    email: QueryText | None = Field(
        None, max_length=254, description="Exact e-mail, compared case-insensitively."
    )
    name: QueryText | None = Field(
        None, max_length=255, description="Part of the name, case-insensitive."
    )


class CustomerCreateIn(BodySchema):
    email: Email = Field(..., examples=["ada@example.com"])
    name: Text = Field(..., min_length=1, max_length=255, examples=["Ada Lovelace"])
    metadata: Metadata | None = None
    phone_number: Phone | None = Field(None, description="International format, e.g. +1 415…")
    preferred_locale: Locale | None = None


class CustomerPatchIn(BodySchema):
    """Absent keys stay as they are; `null` clears phone, metadata and locale."""

    email: Email | None = None
    name: Text | None = Field(None, min_length=1, max_length=255)
    metadata: Metadata | None = None
    phone_number: Phone | None = None
    preferred_locale: Locale | None = None


def customer_limited(customer) -> dict:
    return {
        "customer_id": customer.pk,
        "email": customer.email,
        "name": customer.name,
        "metadata": customer.metadata or {},
        "phone_number": customer.phone_number or None,
    }


def customer_out(customer) -> dict:
    return {
        "customer_id": customer.pk,
        "business_id": customer.business_id,
        "email": customer.email,
        "name": customer.name,
        "created_at": customer.created_at,
        "phone_number": customer.phone_number or None,
        "metadata": customer.metadata or {},
        "preferred_locale": customer.preferred_locale or None,
        "blocked_at": None,
        "blocklist_entry_id": None,
    }


class PortalSessionOut(Out):
    link: str = Field(
        ...,
        description="Opens the customer portal; valid 24 hours.",
        examples=["https://hub.example.com/portal/session/Qm9vbGVhbi…/"],
    )


# ---------------------------------------------------------------- payments (§8)

# We do not store billing addresses: `billing.country` is derived from the currency.
_COUNTRY_BY_CURRENCY = {"INR": "IN", "KRW": "KR", "EUR": "DE", "GBP": "GB", "JPY": "JP"}


class BillingAddressOut(Out):
    country: str = Field(
        ..., description="Not stored: derived from the currency (INR → IN, USD → US, …)."
    )
    city: str | None = None
    state: str | None = None
    street: str | None = None
    zipcode: str | None = None


def billing_out(currency: str) -> dict:
    return {"country": _COUNTRY_BY_CURRENCY.get(currency, "US")}


class ServicePeriodOut(Out):
    subscription_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    proration_factor: str = "1"


class ProductCartItemOut(Out):
    product_id: str
    quantity: int


class RefundListItemOut(Out):
    refund_id: str = Field(..., examples=["ref_0NXqZ1sNqM9X2gVv3kBHaTq7Q"])
    payment_id: str
    business_id: str
    created_at: dt.datetime
    is_partial: bool
    status: RefundStatus
    amount: int | None = Field(None, description="Minor units (cents, paise).")
    currency: str | None = None
    reason: str | None = None
    network_reference: str | None = None
    network_reference_type: str | None = None
    network_reference_updated_at: dt.datetime | None = None


class RefundOut(RefundListItemOut):
    brand_id: str = Field(..., description="Always the business ID: one brand per business.")
    customer: CustomerLimitedOut
    metadata: dict[str, Any] = Field(default_factory=dict)


class RefundListOut(Out):
    items: list[RefundListItemOut]


class PaymentOut(Out):
    """A payment. The list returns the same object (plus `has_license_key` and
    `dispute_status`); extra keys are harmless to the official client."""

    payment_id: str = Field(..., examples=["pay_0NXqZ0Yq5B3pT3y8Vn0mUfK2d"])
    business_id: str
    brand_id: str = Field(..., description="Always the business ID: one brand per business.")
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    status: IntentStatus | None = None
    total_amount: int = Field(..., description="Minor units, tax included.", examples=[2500])
    tax: int | None = None
    currency: str = Field(..., examples=["USD"])
    settlement_amount: int = Field(..., description="= total_amount: we settle in kind.")
    settlement_currency: str
    settlement_tax: int | None = None
    customer: CustomerLimitedOut
    billing: BillingAddressOut
    metadata: dict[str, Any] = Field(default_factory=dict)
    refunds: list[RefundListItemOut] = Field(default_factory=list)
    refund_status: Literal["partial", "full"] | None = None
    disputes: list[dict] = Field(default_factory=list, description="Always []: no disputes.")
    dispute_status: str | None = None
    has_license_key: bool = False
    subscription_id: str | None = None
    subscription_ids: list[str] = Field(default_factory=list)
    is_multi_subscription: bool = False
    charge_type: Literal["new", "renewal", "plan_change", "on_demand"] | None = None
    service_periods: list[ServicePeriodOut] = Field(default_factory=list)
    retry_attempt: int = 0
    includes_usage: bool = False
    is_update_payment_method: bool = False
    digital_products_delivered: bool = False
    payment_provider: Literal["stripe", "adyen", "dodo"] = Field(
        "dodo", description='Always "dodo".'
    )
    product_cart: list[ProductCartItemOut] | None = None
    payment_method: str | None = None
    payment_method_type: str | None = None
    payment_method_id: str | None = None
    card_last_four: str | None = None
    card_network: str | None = None
    card_type: str | None = None
    card_exp_month: str | None = None
    card_exp_year: str | None = None
    card_holder_name: str | None = None
    card_issuing_country: str | None = None
    three_ds_flow: str | None = None
    three_ds_status: str | None = None
    three_ds_version: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    checkout_session_id: str | None = None
    payment_link: str | None = None
    discounts: list[dict] | None = None
    discount_id: str | None = None
    custom_field_responses: list[dict] | None = None
    invoice_id: str | None = Field(None, examples=["INV-000042"])
    invoice_url: str | None = Field(
        None, description="A signed link to the PDF (GET /invoices/payments/{id}?token=…)."
    )


class PaymentListOut(Out):
    items: list[PaymentOut]


class PaymentFilters(PageParams, CreatedRange):
    customer_id: QueryText | None = Field(None, max_length=64)
    subscription_id: QueryText | None = Field(None, max_length=64)
    product_id: QueryText | None = Field(None, max_length=64)
    brand_id: QueryText | None = Field(
        None, max_length=64, description="The business ID; any other value matches nothing."
    )
    status: IntentStatus | None = None
    currency: Currency | None = None


# ---------------------------------------------------------------- refunds (§9)


class RefundItemIn(BodySchema):
    item_id: Text = Field(..., max_length=64, description="The payment's product ID.")
    amount: StrictInt | None = Field(
        None, gt=0, le=INT64_MAX, description="Minor units; null refunds the whole line."
    )
    tax_inclusive: StrictBool = Field(
        True, description="false: `amount` excludes tax and the tax share is added."
    )


class RefundCreateIn(BodySchema):
    payment_id: Text = Field(..., max_length=64, examples=["pay_0NXqZ0Yq5B3pT3y8Vn0mUfK2d"])
    items: list[RefundItemIn] | None = Field(
        None,
        max_length=50,
        description="null: refund everything left. Our payments have one product, so "
        "this is at most one item, whose `item_id` is the payment's product; its "
        "`amount` (null = all that is left) is the refund.",
    )
    reason: Text | None = Field(None, max_length=3000)
    metadata: Metadata | None = None
    currency: Currency | None = Field(None, description="If given, must be the payment's.")


class RefundFilters(PageParams, CreatedRange):
    customer_id: QueryText | None = Field(None, max_length=64)
    subscription_id: QueryText | None = Field(None, max_length=64)
    status: RefundStatus | None = None


def refund_item_out(refund) -> dict:
    return {
        "refund_id": refund.pk,
        "payment_id": refund.payment_id,
        "business_id": refund.business_id,
        "created_at": refund.created_at,
        "is_partial": refund.is_partial,
        "status": refund.status,
        "amount": refund.amount,
        "currency": refund.currency,
        "reason": refund.reason or None,
    }


def refund_out(refund) -> dict:
    return {
        **refund_item_out(refund),
        "brand_id": refund.business_id,
        "customer": customer_limited(refund.customer),
        "metadata": refund.metadata or {},
    }


# ---------------------------------------------------------------- subscriptions (§10)


class CancelledByOut(Out):
    actor_type: Literal["customer", "merchant_user", "api_key", "dodo_team"]
    email: str | None = None
    name: str | None = None


class SubscriptionOut(Out):
    """A subscription; the list returns the same object plus `product_name`."""

    subscription_id: str = Field(..., examples=["sub_0NXqZ3o9pA5kH2bT1cWm8RyLs"])
    product_id: str
    product_name: str | None = None
    brand_id: str = Field(..., description="Always the business ID.")
    status: SubscriptionStatus
    customer: CustomerLimitedOut
    billing: BillingAddressOut
    currency: str
    quantity: int
    recurring_pre_tax_amount: int = Field(..., description="Minor units per period.")
    tax_inclusive: bool
    created_at: dt.datetime
    next_billing_date: dt.datetime = Field(..., description="End of the current period.")
    previous_billing_date: dt.datetime = Field(..., description="Start of the current period.")
    payment_frequency_count: int
    payment_frequency_interval: TimeInterval
    subscription_period_count: int
    subscription_period_interval: TimeInterval
    trial_period_days: int = 0
    on_demand: bool = False
    has_payment_method: bool
    cancel_at_next_billing_date: bool
    metadata: dict[str, Any] = Field(default_factory=dict)
    addons: list[dict] = Field(default_factory=list)
    meters: list[dict] = Field(default_factory=list)
    credit_entitlement_cart: list[dict] = Field(default_factory=list)
    meter_credit_entitlement_cart: list[dict] = Field(default_factory=list)
    discounts: list[dict] = Field(default_factory=list)
    cancelled_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    cancelled_by: CancelledByOut | None = None
    cancel_reason: CancelReason | None = None
    cancellation_feedback: CancellationFeedback | None = None
    cancellation_comment: str | None = None
    payment_method_id: str | None = None
    tax_id: str | None = None
    customer_business_name: str | None = None
    discount_id: str | None = None
    discount_cycles_remaining: int | None = None
    trial_amount: int | None = None
    custom_field_responses: list[dict] | None = None
    scheduled_change: dict | None = None


class SubscriptionListOut(Out):
    items: list[SubscriptionOut]


class SubscriptionFilters(PageParams, CreatedRange):
    customer_id: QueryText | None = Field(None, max_length=64)
    product_id: QueryText | None = Field(None, max_length=64)
    brand_id: QueryText | None = Field(None, max_length=64)
    status: SubscriptionStatus | None = None
    cancel_at_next_billing_date: bool | None = None
    locale: QueryText | None = Field(None, max_length=10, description="Accepted and ignored.")


class SubscriptionPatchIn(BodySchema):
    """What PATCH /subscriptions/{id} changes. Supported: `status: cancelled` (cancel
    now), `cancel_at_next_billing_date` (true schedules, false revokes a scheduled
    cancellation), with `cancel_reason`, `cancellation_feedback` and
    `cancellation_comment`. Everything else is refused with 422 unless null."""

    status: SubscriptionStatus | None = None
    cancel_at_next_billing_date: StrictBool | None = None
    cancel_reason: CancelReason | None = None
    cancellation_feedback: CancellationFeedback | None = None
    cancellation_comment: Text | None = Field(None, max_length=3000)
    pause: Any = Field(None, description="Removed: always 422.")
    # Accepted by the contract, not supported here: 422 unless null.
    billing: dict | None = None
    customer_name: Any = None
    customer_business_name: Any = None
    tax_id: Any = None
    metadata: Any = None
    next_billing_date: Any = None
    disable_on_demand: Any = None
    subscription_period_count: Any = None
    subscription_period_interval: Any = None
    credit_entitlement_cart: Any = None


def subscription_out(sub) -> dict:
    cancelled_by = None
    if sub.cancelled_by_type:
        label = sub.cancelled_by_label or None
        by_email = sub.cancelled_by_type in ("customer", "merchant_user")
        cancelled_by = {
            "actor_type": sub.cancelled_by_type,
            "email": label if by_email else None,
            "name": None if by_email else label,
        }
    return {
        "subscription_id": sub.pk,
        "product_id": sub.product_id,
        "product_name": sub.product.name,
        "brand_id": sub.business_id,
        "status": sub.status,
        "customer": customer_limited(sub.customer),
        "billing": billing_out(sub.currency),
        "currency": sub.currency,
        "quantity": sub.quantity,
        "recurring_pre_tax_amount": sub.recurring_pre_tax_amount,
        "tax_inclusive": sub.tax_inclusive,
        "created_at": sub.created_at,
        "next_billing_date": sub.next_billing_date,
        "previous_billing_date": sub.previous_billing_date,
        "payment_frequency_count": sub.payment_frequency_count,
        "payment_frequency_interval": sub.payment_frequency_interval,
        "subscription_period_count": sub.subscription_period_count,
        "subscription_period_interval": sub.subscription_period_interval,
        "has_payment_method": bool(getattr(sub, "has_payment_method", False)),
        "cancel_at_next_billing_date": sub.cancel_at_next_billing_date,
        "metadata": sub.metadata or {},
        "cancelled_at": sub.cancelled_at,
        "cancelled_by": cancelled_by,
        "cancel_reason": sub.cancel_reason or None,
        "cancellation_feedback": sub.cancellation_feedback or None,
        "cancellation_comment": sub.cancellation_comment or None,
    }


# ---------------------------------------------------------------- license keys (§11)


class LicenseKeyOut(Out):
    id: str = Field(..., examples=["lic_0NXqZ5bM1rQ8dV4nC7xT2wPaE"])
    key: str = Field(..., examples=["db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0"])
    business_id: str
    brand_id: str
    customer_id: str
    product_id: str
    status: LicenseKeyStatus = Field(..., description="An active key past expires_at: expired.")
    source: Literal["auto", "import", "manual"]
    instances_count: int
    created_at: dt.datetime
    activations_limit: int | None = Field(None, description="null = unlimited.")
    expires_at: dt.datetime | None = Field(None, description="null = never.")
    payment_id: str | None = None
    subscription_id: str | None = None


class LicenseKeyListOut(Out):
    items: list[LicenseKeyOut]


class LicenseKeyFilters(PageParams, CreatedRange):
    customer_id: QueryText | None = Field(None, max_length=64)
    product_id: QueryText | None = Field(None, max_length=64)
    status: LicenseKeyStatus | None = None
    source: Literal["auto", "import", "manual"] | None = None


class LicenseKeyPatchIn(BodySchema):
    activations_limit: StrictInt | None = Field(
        None, ge=0, le=INT32_MAX, description="null = unlimited."
    )
    disabled: StrictBool | None = Field(None, description="true disables, false enables.")
    expires_at: AwareDatetime | None = Field(None, description="null = never.")


def license_key_out(key) -> dict:
    return {
        "id": key.pk,
        "key": key.key,
        "business_id": key.business_id,
        "brand_id": key.business_id,
        "customer_id": key.customer_id,
        "product_id": key.product_id,
        "status": key.effective_status,
        "source": key.source,
        "instances_count": key.instances_count,
        "created_at": key.created_at,
        "activations_limit": key.activations_limit,
        "expires_at": key.expires_at,
        "payment_id": key.payment_id,
        "subscription_id": key.subscription_id,
    }


class LicenseKeyInstanceOut(Out):
    id: str = Field(..., examples=["lki_0NXqZ6cN2sR9eW5oD8yU3xQbF"])
    license_key_id: str
    business_id: str
    name: str
    created_at: dt.datetime


class LicenseKeyInstanceListOut(Out):
    items: list[LicenseKeyInstanceOut]


class LicenseKeyInstanceFilters(PageParams):
    license_key_id: QueryText | None = Field(None, max_length=64)
    grant_id: QueryText | None = Field(
        None, max_length=64, description="No entitlement grants here: any value matches none."
    )


class LicenseKeyInstancePatchIn(BodySchema):
    name: Text = Field(..., min_length=1, max_length=255)


def instance_out(instance) -> dict:
    return {
        "id": instance.pk,
        "license_key_id": instance.license_key_id,
        "business_id": instance.business_id,
        "name": instance.name,
        "created_at": instance.created_at,
    }


class LicenseActivateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    name: Text = Field(..., min_length=1, max_length=255, examples=["MacBook Pro"])


class LicenseValidateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    license_key_instance_id: Text | None = Field(None, max_length=64)


class LicenseDeactivateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    license_key_instance_id: Text = Field(..., max_length=64)


class ActivatedProductOut(Out):
    product_id: str
    name: str | None = None


class LicenseActivationOut(Out):
    id: str = Field(..., description="The new instance's ID (lki_…).")
    license_key_id: str
    name: str
    business_id: str
    created_at: dt.datetime
    customer: CustomerLimitedOut
    product: ActivatedProductOut


class LicenseValidationOut(Out):
    valid: bool
