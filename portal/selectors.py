"""Reads for the signed-in customer's portal pages."""

from customers.billing.selectors import customer_payments
from customers.models import Customer, Subscription
from wallets.selectors import wallets_for

HOME_SUBSCRIPTIONS = 5
HOME_PAYMENTS = 3


def portal_home(customer: Customer) -> dict:
    """The home page: wallets, the next subscriptions to renew, the latest payments."""
    subscriptions = (
        Subscription.objects.filter(customer=customer, status__in=Subscription.CURRENT)
        .select_related("product")
        .order_by("next_billing_date", "id")[:HOME_SUBSCRIPTIONS]
    )
    return {
        "wallets": wallets_for(customer),
        "subscriptions": subscriptions,
        "payments": customer_payments(customer)[:HOME_PAYMENTS],
    }
