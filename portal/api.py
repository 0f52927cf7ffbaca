"""The portal-session API route (api-contract.md §6)."""

from ninja import Field, Router

from customers.api.common import ERRORS, Out, QueryText, get_scoped
from customers.audit import Actor
from customers.models import Customer
from portal.services import portal_session_create

router = Router(tags=["Customer portal"])


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
    request, customer_id: str, send_email: bool = False, return_url: QueryText | None = None
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
