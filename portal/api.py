"""The portal-session API route (api-contract.md §6)."""

from ninja import Router

from customers.apiutil import ERRORS, get_scoped
from customers.audit import Actor
from customers.models import Customer
from customers.schemas import PortalSessionOut, QueryText
from portal.services import create_portal_session

router = Router(tags=["Customer portal"])


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
    _link, url = create_portal_session(
        customer=customer,
        send_email=send_email,
        return_url=return_url,
        actor=Actor.api_key(request.auth),
    )
    return {"link": url}
