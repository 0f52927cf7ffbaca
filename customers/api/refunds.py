"""Refunds (api-contract.md §9): create, list, get."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router
from pydantic import StrictBool

from customers.api.common import (
    ERRORS,
    ApiRequestError,
    BodySchema,
    Currency,
    CustomerLimitedOut,
    IdQuery,
    ListFilters,
    Metadata,
    Out,
    Text,
    actor_of,
    created_between,
    customer_limited,
    get_scoped,
    integer,
    newest_page,
)
from customers.billing import refunds
from customers.core.validation import INT64_MAX
from customers.models import Payment, Refund

router = Router(tags=["Refunds"])

RefundStatus = Literal["succeeded", "failed", "pending", "review"]


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


class RefundItemIn(BodySchema):
    item_id: Text = Field(..., max_length=64, description="The payment's product ID.")
    amount: integer(gt=0, le=INT64_MAX) | None = Field(
        None, description="Minor units; null refunds the whole line."
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


class RefundFilters(ListFilters):
    customer_id: IdQuery | None = None
    subscription_id: IdQuery | None = None
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


# ---------------------------------------------------------------- refunds (§9)


def _refunds(request):
    return Refund.objects.for_business(request.auth.business_id).select_related("customer")


@router.post("/refunds", response={200: RefundOut, **ERRORS})
def create_refund(request, payload: RefundCreateIn):
    """Refund a payment to its original payment method.

    Without `items`, everything not yet refunded is refunded. Our payments carry one
    product, so `items` holds at most that product (`item_id` = the payment's
    `product_id`); its `amount` (minor units, tax included unless `tax_inclusive`
    is false) is refunded, or all that is left when it is null. Errors: 400
    `PAYMENT_NOT_SUCCEEDED`, `REFUND_WINDOW_EXPIRED` (30 days), `NOTHING_TO_REFUND`,
    `REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT`, `LINE_ITEM_NOT_FOUND`,
    `DUPLICATE_LINE_ITEMS_IN_REQUEST`; 404 for an unknown payment.
    """
    payment = get_scoped(Payment.objects.for_business(request.auth.business_id), payload.payment_id)
    if payload.currency and payload.currency != payment.currency:
        raise ApiRequestError(
            f"currency: this payment is in {payment.currency}",
            code="INVALID_REQUEST_PARAMETERS",
            status=400,
        )
    amount = None
    if payload.items is not None:
        if not payload.items:
            raise ApiRequestError("items: leave it out (or null) for a full refund")
        ids = [item.item_id for item in payload.items]
        if len(set(ids)) != len(ids):
            raise ApiRequestError(
                "items: an item appears twice", code="DUPLICATE_LINE_ITEMS_IN_REQUEST", status=400
            )
        unknown = [i for i in ids if i != payment.product_id]
        if unknown:
            raise ApiRequestError(
                f"items: {unknown[0]} is not on this payment",
                code="LINE_ITEM_NOT_FOUND",
                status=400,
            )
        item = payload.items[0]
        amount = item.amount
        net = payment.total_amount - payment.tax
        if amount is not None and not item.tax_inclusive and payment.tax and net > 0:
            amount += amount * payment.tax // net
    refund = refunds.refund_create(
        payment=payment,
        amount=amount,
        reason=payload.reason or "",
        actor=actor_of(request),
        metadata=payload.metadata,
    )
    return refund_out(refund)


@router.get("/refunds", response={200: RefundListOut, **ERRORS})
def list_refunds(request, filters: Query[RefundFilters]):
    items = created_between(_refunds(request), filters)
    if filters.customer_id:
        items = items.filter(customer_id=filters.customer_id)
    if filters.subscription_id:
        items = items.filter(payment__subscription_id=filters.subscription_id)
    if filters.status:
        items = items.filter(status=filters.status)
    return {"items": [refund_item_out(r) for r in newest_page(items, filters)]}


@router.get("/refunds/{refund_id}", response={200: RefundOut, **ERRORS})
def get_refund(request, refund_id: str):
    return refund_out(get_scoped(_refunds(request), refund_id))
