"""The portal-session API route (api-contract.md §6)."""

from typing import Annotated

from ninja import Field, Router

from customers.api.common import ERRORS, Out, QueryText, get_scoped
from customers.audit import Actor
from customers.models import Customer
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
