"""Reads about one customer that every area's views share: the scoped lookup, and
what the details page shows of the customer's portal use."""

from django.shortcuts import get_object_or_404

from customers.models import Business, Customer
from portal.models import PortalLink, PortalLogin


def customer_get(*, business: Business, customer_id: str) -> Customer:
    """The business's customer with this ID; another business's (or no) customer is a 404."""
    return get_object_or_404(Customer.objects.for_business(business), pk=customer_id)


def portal_activity(customer: Customer, *, limit: int = 5) -> dict:
    """Recent invite and sign-in links, and the last portal visit (two queries)."""
    links = list(PortalLink.objects.filter(customer=customer).order_by("-created_at")[:limit])
    last_login = PortalLogin.objects.filter(customer=customer).order_by("-last_seen_at").first()
    return {
        "portal_links": links,
        "portal_last_visit": last_login.last_seen_at if last_login else None,
    }
