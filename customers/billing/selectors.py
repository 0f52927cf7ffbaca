"""Reads of a customer's payments and subscriptions: the details page's tabs and the
portal page through the same scoped, ordered querysets."""

from django.db.models import Prefetch, QuerySet

from customers.billing.refunds import refund_blocker
from customers.core.pagination import tab_context
from customers.core.prepared import prepared
from customers.models import Customer, Dunning, Payment, SavedPaymentMethod, Subscription


@prepared("business_id", "customer_id")
def customer_payments(*, business_id: str, customer_id: str, status: str = "") -> QuerySet:
    """The customer's payments, newest first, with refund totals; `status` is a
    Payment.DisplayStatus value ("refunded", "failed"…) or "" for all. Prepared
    (customers.core.prepared): a list, or `.rows(...)` for a paginator."""
    payments = (
        Payment.objects.for_business(business_id)
        .filter(customer_id=customer_id)
        .with_refund_totals()
        .select_related("product")
        .newest_first()
    )
    if status in Payment.DisplayStatus.values:
        payments = payments.with_display_status(status)
    return payments


@prepared("business_id", "customer_id")
def usable_payment_methods(*, business_id: str, customer_id: str, limit: int) -> QuerySet:
    """The customer's saved payment methods that can still be charged, the default first
    (a list: customers.core.prepared)."""
    return (
        SavedPaymentMethod.objects.for_business(business_id)
        .usable()
        .filter(customer_id=customer_id)
        .order_by("-is_default", "-created_at", "-id")[:limit]
    )


@prepared("business_id", "customer_id")
def customer_subscriptions(*, business_id: str, customer_id: str) -> QuerySet:
    """The customer's subscriptions with their products, newest first (prepared)."""
    return (
        Subscription.objects.for_business(business_id)
        .filter(customer_id=customer_id)
        .select_related("product")
        .newest_first()
    )


def transactions_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    status = status if status in Payment.DisplayStatus.values else ""
    payments = customer_payments.rows(
        business_id=customer.business_id, customer_id=customer.pk, status=status
    )
    context = tab_context(
        "payments", payments, params, status=status, choices=Payment.DisplayStatus.choices
    )
    for payment in context["payments"]:
        payment.can_refund = refund_blocker(payment) is None
    return context


def subscriptions_tab(customer: Customer, params) -> dict:
    """Current subscriptions by default; `status=all` or one SubscriptionStatus."""
    status = params.get("status", "")
    if status not in Subscription.Status.values and status != "all":
        status = ""
    rows = _tab_subscriptions.rows(
        business_id=customer.business_id, customer_id=customer.pk, status=status
    )
    return tab_context(
        "subscriptions", rows, params, status=status, choices=Subscription.Status.choices
    )


@prepared("business_id", "customer_id")
def _tab_subscriptions(*, business_id: str, customer_id: str, status: str) -> QuerySet:
    """`status`: one SubscriptionStatus, "all", or "" for the current ones. Each with its
    open recovery (at most one), for its attempts, next retry and reason."""
    subscriptions = customer_subscriptions.queryset(
        business_id=business_id, customer_id=customer_id
    )
    if status in Subscription.Status.values:
        subscriptions = subscriptions.filter(status=status)
    elif status != "all":
        subscriptions = subscriptions.filter(status__in=Subscription.CURRENT)
    return subscriptions.prefetch_related(
        Prefetch("dunnings", queryset=Dunning.objects.open(), to_attr="open_dunnings")
    )
