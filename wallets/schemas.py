"""Request and response schemas of the wallets API (api-contract.md §7)."""

import datetime as dt
from typing import Literal

from django.conf import settings
from ninja import Field

from customers.api.common import BodySchema, Currency, Integer, Out, PageParams, Text
from customers.core.validation import INT64_MAX


class WalletOut(Out):
    customer_id: str
    currency: str = Field(..., examples=["USD"])
    balance: int = Field(..., description="Minor units (cents, paise).", examples=[1250])
    created_at: dt.datetime = Field(
        ..., description="A wallet never used yet reports the customer's creation time."
    )
    updated_at: dt.datetime


class WalletListOut(Out):
    items: list[WalletOut] = Field(..., description="One per configured currency (USD, INR).")
    total_balance_usd: int = Field(
        ...,
        description="Every balance converted to US cents at the configured rates "
        "(USD_PER_CURRENCY), each rounded down.",
    )


# The configured wallet currencies (WALLET_CURRENCIES): others are refused, so the
# schema lists these, not the contract's 145 codes.
WalletCurrency = Literal[tuple(settings.WALLET_CURRENCIES)]


class LedgerEntryIn(BodySchema):
    amount: Integer = Field(..., gt=0, le=INT64_MAX, description="Minor units, > 0.")
    currency: WalletCurrency = Field(..., description="A wallet currency (USD, INR).")
    entry_type: Literal["credit", "debit"]
    idempotency_key: Text | None = Field(
        None,
        max_length=255,
        description="Replaying a key with the same body returns the wallet without "
        "posting again; the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED.",
    )
    reason: Text | None = Field(None, max_length=500)


class LedgerEntryOut(Out):
    id: str = Field(..., examples=["wle_0NXqZ7dO3tS0fX6pE9zV4yRcG"])
    business_id: str
    customer_id: str
    currency: str
    amount: int = Field(..., description="Minor units; the direction is is_credit.")
    is_credit: bool
    before_balance: int
    after_balance: int
    event_type: Literal[
        "payment",
        "payment_reversal",
        "refund",
        "refund_reversal",
        "dispute",
        "dispute_reversal",
        "merchant_adjustment",
        "top_up",
        "top_up_refund",
        "promotional_bonus",
        "bonus_reversal",
    ] = Field(
        ...,
        description="API entries are merchant_adjustment. Beyond Dodo's list: top_up (money "
        "the customer paid in through the portal), promotional_bonus (the merchant's bonus on "
        "it, always its own entry), top_up_refund and bonus_reversal (both taken back by a "
        "refund of the top-up, the bonus first).",
    )
    reason: str | None = None
    reference_object_id: str | None = None
    created_at: dt.datetime


class LedgerEntryListOut(Out):
    items: list[LedgerEntryOut]


class LedgerEntryFilters(PageParams):
    currency: Currency | None = None


def wallet_out(wallet, customer) -> dict:
    return {
        "customer_id": customer.pk,
        "currency": wallet.currency,
        "balance": wallet.balance,
        "created_at": wallet.created_at or customer.created_at,
        "updated_at": wallet.updated_at or customer.created_at,
    }


def entry_out(entry) -> dict:
    return {
        "id": entry.pk,
        "business_id": entry.business_id,
        "customer_id": entry.customer_id,
        "currency": entry.currency,
        "amount": entry.amount,
        "is_credit": entry.is_credit,
        "before_balance": entry.balance_before,
        "after_balance": entry.balance_after,
        "event_type": entry.event_type,
        "reason": entry.reason or None,
        "reference_object_id": entry.reference_id or None,
        "created_at": entry.created_at,
    }
