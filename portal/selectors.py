"""Reads for the signed-in customer's portal pages."""

import datetime as dt
from collections import defaultdict

from django.db.models import QuerySet

from customers.billing.selectors import customer_payments
from customers.core.prepared import prepared
from customers.models import Customer, Payment, Refund, Subscription
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


def with_refunds(payments: list[Payment]) -> list[Payment]:
    """A page of one customer's payments, each with its refunds (oldest first) as
    `page_refunds`: one prepared query, for the refunds of the customer's payments made
    from the page's oldest to its newest (a prefetch compiled its IN list each time)."""
    if not payments:
        return payments
    times = [payment.created_at for payment in payments]
    refunds = _page_refunds(
        business_id=payments[0].business_id,
        customer_id=payments[0].customer_id,
        oldest=min(times),
        newest=max(times),
    )
    by_payment = defaultdict(list)
    for refund in refunds:
        by_payment[refund.payment_id].append(refund)
    for payment in payments:
        payment.page_refunds = by_payment.get(payment.pk, [])
    return payments


@prepared("business_id", "customer_id", "oldest", "newest")
def _page_refunds(
    *, business_id: str, customer_id: str, oldest: dt.datetime, newest: dt.datetime
) -> QuerySet:
    refunds = Refund.objects.filter(
        business_id=business_id,
        customer_id=customer_id,
        payment__created_at__gte=oldest,
        payment__created_at__lte=newest,
    )
    return refunds.order_by("created_at", "id")
