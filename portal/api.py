"""The portal-session API route (api-contract.md §6)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Router

from customers.api.common import (
    ERRORS,
    ID_PATTERN,
    ApiRequestError,
    BodySchema,
    Out,
    QueryText,
    actor_of,
    get_scoped,
)
from customers.audit import Actor
from customers.billing.gateway import get_gateway
from customers.billing.recovery import subscription_payment_method_set
from customers.core.errors import SubscriptionInactive
from customers.models import Customer, SavedPaymentMethod, Subscription
from portal.services import RETURN_URL_MAX_LENGTH, RETURN_URL_PATTERN, portal_session_create

router = Router(tags=["Customer portal"])

# What portal.services accepts as a return URL (its pattern and length), stated in
# the schema; anything else is 422 INVALID_REQUEST_PARAMETERS.
ReturnUrl = Annotated[
    QueryText,
    Field(
        max_length=RETURN_URL_MAX_LENGTH,
        pattern=RETURN_URL_PATTERN,
        json_schema_extra={"pattern": RETURN_URL_PATTERN},  # (pydantic drops it)
        description="Where the portal's Return button goes: an http(s) URL.",
    ),
]


# One of Dodo's payment method types ("credit", "upi_collect"…): a lower-case name.
PaymentMethodKind = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]{0,39}$")
]


class PortalSessionOut(Out):
    link: str = Field(
        ...,
        description="Opens the customer portal; valid 24 hours.",
        examples=["https://hub.example.com/portal/session/Qm9vbGVhbi…/"],
    )


@router.post(
    "/customers/{customer_id}/customer-portal/session",
    response={200: PortalSessionOut, **ERRORS},
)
def create_session(
    request, customer_id: str, send_email: bool = False, return_url: ReturnUrl | None = None
):
    """A 24-hour portal link for the customer. `send_email` and `return_url` are query
    parameters; the body is empty. A `return_url` that is not http(s) is 422."""
    customer = get_scoped(
        Customer.objects.for_business(request.auth.business_id).select_related("business"),
        customer_id,
    )
    _link, url = portal_session_create(
        customer=customer,
        send_email=send_email,
        return_url=return_url,
        actor=Actor.api_key(request.auth),
    )
    return {"link": url}


class PaymentMethodNewIn(BodySchema):
    type: Literal["new"]
    allowed_payment_method_types: list[PaymentMethodKind] | None = Field(
        None, max_length=20, description="Accepted and ignored: the portal offers card and UPI."
    )
    return_url: ReturnUrl | None = None


class PaymentMethodExistingIn(BodySchema):
    type: Literal["existing"]
    payment_method_id: str = Field(..., min_length=1, max_length=40, pattern=ID_PATTERN.pattern)


# The official client sends the method itself as the body: `{"type": "new", …}` or
# `{"type": "existing", "payment_method_id": …}`.
UpdatePaymentMethodIn = Annotated[
    PaymentMethodNewIn | PaymentMethodExistingIn, Field(discriminator="type")
]


class UpdatePaymentMethodOut(Out):
    client_secret: str | None = Field(None, description="Always null: no client-side step.")
    expires_on: dt.datetime | None = Field(None, description="When `payment_link` stops working.")
    payment_id: str | None = Field(
        None, description="The charge of the dues, when the subscription was in dunning."
    )
    payment_link: str | None = Field(
        None, description='For `type: "new"`: a portal link where the customer adds the method.'
    )


@router.post(
    "/subscriptions/{subscription_id}/update-payment-method",
    response={200: UpdatePaymentMethodOut, **ERRORS},
    tags=["Subscriptions"],
)
def update_payment_method(request, subscription_id: str, payload: UpdatePaymentMethodIn):
    """`existing`: renewals now charge that saved method, and a subscription in dunning
    is charged its dues with it at once (`payment_id`; a decline is 422
    `PAYMENT_DECLINED`). `new`: a 24-hour portal link (`payment_link`) where the
    customer adds a method and pays. An ended subscription is 409."""
    sub = get_scoped(
        Subscription.objects.for_business(request.auth.business_id).select_related(
            "customer__business"
        ),
        subscription_id,
    )
    if not sub.is_current:
        raise SubscriptionInactive()
    chosen = payload
    if chosen.type == "new":
        link, url = portal_session_create(
            customer=sub.customer, return_url=chosen.return_url, actor=actor_of(request)
        )
        return {"payment_link": url, "expires_on": link.expires_at}
    method = get_scoped(
        SavedPaymentMethod.objects.for_business(request.auth.business_id)
        .usable()
        .filter(customer_id=sub.customer_id),
        chosen.payment_method_id,
    )
    outcome, payment = subscription_payment_method_set(
        subscription=sub, payment_method=method, gateway=get_gateway(), actor=actor_of(request)
    )
    if outcome == "failed":
        raise ApiRequestError(
            payment.error_message or "The charge was declined.",
            code="PAYMENT_DECLINED",
            status=422,
        )
    return {"payment_id": payment.pk if outcome else None}
