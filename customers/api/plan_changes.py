"""Plan changes (the official client's `subscriptions.change_plan` and
`preview_change_plan`): move a subscription to another recurring product now, with
`prorated_immediately`, `full_immediately` or `difference_immediately`
(customers.billing.plan_changes has the arithmetic)."""

import copy
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Router
from pydantic import WithJsonSchema

from customers.api.common import (
    ERRORS,
    ApiRequestError,
    BodySchema,
    ErrorOut,
    Out,
    Text,
    actor_of,
    get_scoped,
    integer,
)
from customers.api.subscriptions import SubscriptionOut, scoped_subscriptions, subscription_out
from customers.billing.plan_changes import plan_change_quote, subscription_change_plan
from customers.models import Product

router = Router(tags=["Subscriptions"])

NullOnly = Annotated[
    Any, WithJsonSchema({"type": "null", "description": "Not supported here: null only."})
]


class ChangePlanIn(BodySchema):
    """A plan change, applied now. Addons, discounts and payment links are not
    supported (null only); `effective_at` is `immediately` only."""

    product_id: Annotated[Text, Field(min_length=1, max_length=64)]
    proration_billing_mode: Literal[
        "prorated_immediately", "full_immediately", "difference_immediately"
    ]
    quantity: integer(ge=1, le=10_000)
    effective_at: Literal["immediately"] | None = None
    on_payment_failure: Literal["prevent_change"] | None = Field(
        None, description="The plan changes only once the charge succeeded."
    )
    collect_via_payment_link: Literal[False] | None = None
    cancel_older_payment_link: bool | None = None
    cancel_scheduled_change_plan: bool | None = None
    adaptive_currency_fees_inclusive: bool | None = None
    addons: NullOnly = None
    discount_code: NullOnly = None
    discount_codes: NullOnly = None
    metadata: NullOnly = None
    return_url: NullOnly = None


class ChangePlanOut(Out):
    payment_id: str | None = Field(None, description="The charge, when there was one.")
    payment_link: str | None = None
    client_secret: str | None = None
    expires_on: str | None = None


class LineItemOut(Out):
    type: Literal["subscription"] = "subscription"
    id: str
    product_id: str
    name: str | None = None
    description: str | None = None
    currency: str
    quantity: int
    unit_price: int
    proration_factor: float
    tax_inclusive: bool
    tax: int | None = None
    tax_rate: float | None = None


class SummaryOut(Out):
    currency: str
    total_amount: int = Field(..., description="Charged now, minor units.")
    customer_credits: int = Field(..., description="Credited to the wallet now (≥ 0).")
    customer_credits_currency: str
    settlement_amount: int
    settlement_currency: str
    tax: int | None = None
    settlement_tax: int | None = None


class ImmediateChargeOut(Out):
    effective_at: Any
    line_items: list[LineItemOut]
    summary: SummaryOut


class PreviewOut(Out):
    immediate_charge: ImmediateChargeOut
    new_plan: SubscriptionOut


def _unsupported(payload: ChangePlanIn) -> None:
    for field in ("addons", "discount_code", "discount_codes", "metadata", "return_url"):
        if getattr(payload, field) is not None:
            raise ApiRequestError(f"{field}: not supported here; send null")


def _product(request, product_id: str) -> Product:
    """The business's product (404 for an unknown or another business's one)."""
    return get_scoped(Product.objects.for_business(request.auth.business_id), product_id)


@router.post(
    "/subscriptions/{subscription_id}/change-plan/preview",
    response={200: PreviewOut, **ERRORS},
)
def preview_change_plan(request, subscription_id: str, payload: ChangePlanIn):
    """What the same `change-plan` request would charge (or credit) now, and the
    subscription after it. Changes nothing."""
    _unsupported(payload)
    sub = get_scoped(scoped_subscriptions(request), subscription_id)
    product = _product(request, payload.product_id)
    quote = plan_change_quote(
        subscription=sub,
        product=product,
        quantity=payload.quantity,
        mode=payload.proration_billing_mode,
        now=timezone.now(),
    )
    after = copy.copy(sub)
    after.product, after.product_id, after.quantity = product, product.pk, payload.quantity
    after.recurring_pre_tax_amount = quote.to_amount
    after.payment_frequency_count = product.payment_frequency_count
    after.payment_frequency_interval = product.payment_frequency_interval
    after.previous_billing_date = quote.previous_billing_date
    after.next_billing_date = quote.next_billing_date
    return {
        "immediate_charge": {
            "effective_at": quote.effective_at,
            "line_items": [
                {
                    "id": sub.pk,
                    "product_id": product.pk,
                    "name": product.name,
                    "currency": sub.currency,
                    "quantity": payload.quantity,
                    "unit_price": product.price,
                    "proration_factor": quote.proration_factor,
                    "tax_inclusive": product.tax_inclusive,
                }
            ],
            "summary": {
                "currency": sub.currency,
                "total_amount": quote.charge_amount,
                "customer_credits": quote.credit_amount,
                "customer_credits_currency": sub.currency,
                "settlement_amount": quote.charge_amount,
                "settlement_currency": sub.currency,
            },
        },
        "new_plan": subscription_out(after),
    }


@router.post(
    "/subscriptions/{subscription_id}/change-plan",
    response={200: ChangePlanOut, 402: ErrorOut, **ERRORS},
)
def change_plan(request, subscription_id: str, payload: ChangePlanIn):
    """Move the subscription to `product_id` × `quantity` now (404 for an unknown
    product; 422 `INVALID_PLAN` for one that is not recurring, archived, in another
    currency, or the current plan and quantity). A positive amount is
    charged to the method on file (402 `PLAN_CHANGE_PAYMENT_FAILED` if it fails: the
    plan stays), a negative one credited to the wallet. One change at a time: 409
    `PLAN_CHANGE_PENDING` while another is being charged."""
    _unsupported(payload)
    sub = get_scoped(scoped_subscriptions(request), subscription_id)
    change = subscription_change_plan(
        subscription=sub,
        product=_product(request, payload.product_id),
        quantity=payload.quantity,
        mode=payload.proration_billing_mode,
        actor=actor_of(request),
    )
    return {"payment_id": change.payment_id}
