"""A customer's saved payment methods (as the official client calls them): list and
delete. The card number is never stored, so it is never returned: network, last four,
expiry, holder and issuing country are."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Status

from customers.api.common import ERRORS, Out, actor_of, get_scoped
from customers.billing import payment_methods
from customers.billing.gateway import get_gateway
from customers.models import Customer, SavedPaymentMethod

router = Router(tags=["Customers"])


class CardOut(Out):
    card_holder_name: str | None = None
    card_issuing_country: str | None = Field(None, description="ISO 3166-1 alpha-2.")
    card_network: str | None = Field(None, examples=["visa"])
    card_type: str | None = Field(None, description="Always null: not known.")
    expiry_month: str | None = Field(None, examples=["12"])
    expiry_year: str | None = Field(None, examples=["2030"])
    last4_digits: str | None = Field(None, examples=["4242"])


class PaymentMethodOut(Out):
    payment_method_id: str = Field(..., examples=["pm_0NXqZ3o9pA5kH2bT1cWm8RyLs"])
    payment_method: Literal["card", "upi"]
    payment_method_type: Literal["credit", "upi_collect"] | None = Field(
        None, description="Cards are reported as `credit` (credit and debit are not told apart)."
    )
    card: CardOut | None = None
    last_used_at: dt.datetime | None = None
    recurring_enabled: bool | None = None


class PaymentMethodListOut(Out):
    items: list[PaymentMethodOut]


def payment_method_out(method: SavedPaymentMethod) -> dict:
    card = None
    if method.kind == SavedPaymentMethod.Kind.CARD:
        card = {
            "card_holder_name": method.holder_name or None,
            "card_issuing_country": method.issuing_country or None,
            "card_network": method.card_network or None,
            "expiry_month": f"{method.expiry_month:02d}" if method.expiry_month else None,
            "expiry_year": str(method.expiry_year) if method.expiry_year else None,
            "last4_digits": method.card_last_four or None,
        }
    return {
        "payment_method_id": method.pk,
        "payment_method": method.kind,
        "payment_method_type": "credit"
        if method.kind == SavedPaymentMethod.Kind.CARD
        else "upi_collect",
        "card": card,
        "last_used_at": method.last_used_at,
        "recurring_enabled": method.recurring_enabled,
    }


def _customer(request, customer_id: str) -> Customer:
    return get_scoped(Customer.objects.for_business(request.auth.business_id), customer_id)


@router.get(
    "/customers/{customer_id}/payment-methods", response={200: PaymentMethodListOut, **ERRORS}
)
def list_payment_methods(request, customer_id: str):
    """The customer's saved payment methods, default first, then newest. At most 100
    (a customer keeps a handful)."""
    customer = _customer(request, customer_id)
    methods = (
        SavedPaymentMethod.objects.for_business(request.auth.business_id)
        .usable()
        .filter(customer=customer)
        .order_by("-is_default", "-created_at", "-id")[:100]
    )
    return {"items": [payment_method_out(m) for m in methods]}


@router.delete(
    "/customers/{customer_id}/payment-methods/{payment_method_id}",
    response={204: None, **ERRORS},
)
def delete_payment_method(request, customer_id: str, payment_method_id: str):
    """Remove a saved method; subscriptions that used it fall back to the default.
    An unknown (or already removed) method is 404."""
    customer = _customer(request, customer_id)
    method = get_scoped(
        SavedPaymentMethod.objects.for_business(request.auth.business_id)
        .usable()
        .filter(customer=customer),
        payment_method_id,
    )
    payment_methods.payment_method_remove(
        payment_method=method, gateway=get_gateway(), actor=actor_of(request)
    )
    return Status(204, None)
