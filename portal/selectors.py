"""Reads the dashboard needs about a customer's portal use."""

from customers.models import Customer
from portal.models import PortalLink, PortalLogin


def portal_activity(customer: Customer, *, limit: int = 5) -> dict:
    """Recent invite and sign-in links, and the last portal visit (two queries)."""
    links = list(PortalLink.objects.filter(customer=customer).order_by("-created_at")[:limit])
    last_login = PortalLogin.objects.filter(customer=customer).order_by("-last_seen_at").first()
    return {
        "portal_links": links,
        "portal_last_visit": last_login.last_seen_at if last_login else None,
    }
