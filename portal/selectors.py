"""Reads for the signed-in customer's portal pages."""

from django.db.models import Prefetch, QuerySet

from customers.billing.selectors import customer_payments
from customers.core.prepared import prepared
from customers.models import Customer, Refund, Subscription
from wallets.selectors import wallets_for

HOME_SUBSCRIPTIONS = 5
HOME_PAYMENTS = 3


def portal_home(customer: Customer) -> dict:
    """The home page: wallets, the next subscriptions to renew, the latest payments."""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    return {
        "wallets": wallets_for(customer),
        "subscriptions": renewing_subscriptions(**ids, limit=HOME_SUBSCRIPTIONS),
        "payments": customer_payments.rows(**ids)[:HOME_PAYMENTS],
    }


@prepared("business_id", "customer_id")
def renewing_subscriptions(*, business_id: str, customer_id: str, limit: int) -> QuerySet:
    """The customer's current subscriptions, the next to renew first (a list)."""
    return (
        Subscription.objects.for_business(business_id)
        .filter(customer_id=customer_id, status__in=Subscription.CURRENT)
        .select_related("product")
        .order_by("next_billing_date", "id")[:limit]
    )


@prepared("business_id", "customer_id")
def billing_history(*, business_id: str, customer_id: str) -> QuerySet:
    """The customer's payments as customer_payments gives them, each with its refunds."""
    refunds = Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id"))
    payments = customer_payments.queryset(business_id=business_id, customer_id=customer_id)
    return payments.prefetch_related(refunds)
