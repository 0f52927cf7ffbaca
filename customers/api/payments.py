"""Payments (api-contract.md §8): list and get, with their refunds and invoice links."""

import datetime as dt
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Prefetch
from ninja import Field, Query, Router

from customers.api.common import (
    ERRORS,
    BillingAddressOut,
    Currency,
    CustomerLimitedOut,
    IdQuery,
    ListFilters,
    Out,
    QueryText,
    billing_out,
    created_between,
    customer_limited,
    get_scoped,
    newest_page,
)
from customers.api.invoices import invoice_url
from customers.api.refunds import RefundListItemOut, refund_item_out
from customers.models import LicenseKey, Payment, Refund, add_interval

router = Router(tags=["Payments"])

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


class ServicePeriodOut(Out):
    subscription_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    proration_factor: str = "1"


class ProductCartItemOut(Out):
    product_id: str
    quantity: int


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


class PaymentFilters(ListFilters):
    customer_id: IdQuery | None = None
    subscription_id: IdQuery | None = None
    product_id: IdQuery | None = None
    brand_id: QueryText | None = Field(
        None, max_length=64, description="The business ID; any other value matches nothing."
    )
    status: IntentStatus | None = None
    currency: Currency | None = None


# ---------------------------------------------------------------- payments (§8)


def _payment_out(payment: Payment) -> dict:
    succeeded = payment.status == Payment.Status.SUCCEEDED
    sub = payment.subscription
    periods = []
    if succeeded and sub is not None and payment.service_period_start:
        start = payment.service_period_start
        end = add_interval(start, sub.payment_frequency_interval, sub.payment_frequency_count)
        periods = [{"subscription_id": sub.pk, "starts_at": start, "ends_at": end}]
    refunded = payment.refunded_amount
    return {
        "payment_id": payment.pk,
        "business_id": payment.business_id,
        "brand_id": payment.business_id,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "status": payment.status,
        "total_amount": payment.total_amount,
        "tax": payment.tax,
        "currency": payment.currency,
        "settlement_amount": payment.total_amount,
        "settlement_currency": payment.currency,
        "settlement_tax": payment.tax,
        "customer": customer_limited(payment.customer),
        "billing": billing_out(payment.currency),
        "metadata": payment.metadata or {},
        "refunds": [refund_item_out(r) for r in payment.refunds.all()],
        "refund_status": (
            None if not refunded else "full" if refunded >= payment.total_amount else "partial"
        ),
        "has_license_key": payment.has_license_key,
        "subscription_id": payment.subscription_id,
        "subscription_ids": [payment.subscription_id] if payment.subscription_id else [],
        "charge_type": payment.charge_type or None,
        "service_periods": periods,
        "digital_products_delivered": succeeded and payment.has_license_key,
        "product_cart": (
            [{"product_id": payment.product_id, "quantity": payment.quantity}]
            if payment.product_id and not payment.subscription_id
            else None
        ),
        "payment_method": payment.payment_method or None,
        "payment_method_type": payment.payment_method_type or None,
        "card_last_four": payment.card_last_four or None,
        "card_network": payment.card_network or None,
        "error_code": payment.error_code or None,
        "error_message": payment.error_message or None,
        "invoice_id": payment.invoice_label or None,
        "invoice_url": invoice_url("payments", payment.pk) if succeeded else None,
    }


def _payments(request):
    return (
        Payment.objects.for_business(request.auth.business_id)
        .select_related("customer", "subscription")
        .with_refund_totals()
        .annotate(has_license_key=Exists(LicenseKey.objects.filter(payment=OuterRef("pk"))))
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.newest_first()))
    )


@router.get("/payments", response={200: PaymentListOut, **ERRORS})
def list_payments(request, filters: Query[PaymentFilters]):
    """Payments, newest first. `brand_id` other than the business ID matches nothing."""
    payments = created_between(_payments(request), filters)
    if filters.brand_id and filters.brand_id != request.auth.business_id:
        return {"items": []}
    for field in ("customer_id", "subscription_id", "product_id", "status", "currency"):
        value = getattr(filters, field)
        if value:
            payments = payments.filter(**{field: value})
    return {"items": [_payment_out(p) for p in newest_page(payments, filters)]}


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request, payment_id: str):
    return _payment_out(get_scoped(_payments(request), payment_id))
