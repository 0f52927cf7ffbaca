"""Reads of a customer's payments and subscriptions: the details page's tabs, the
portal and the API page through the same scoped, ordered querysets."""

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from customers.core.pagination import tab_page
from customers.models import Customer, Payment, Subscription


def customer_payments(customer: Customer, *, status: str = "") -> QuerySet:
    """The customer's payments, newest first, with refund totals; `status` is a
    Payment.DisplayStatus value ("refunded", "failed"…) or "" for all."""
    payments = (
        Payment.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .with_refund_totals()
        .select_related("product")
        .order_by("-created_at", "-id")
    )
    if status in Payment.DisplayStatus.values:
        payments = payments.with_display_status(status)
    return payments


def transactions_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    status = status if status in Payment.DisplayStatus.values else ""
    payments = customer_payments(customer, status=status)
    paginator, page = tab_page(payments, params)
    window_start = timezone.now() - dt.timedelta(days=settings.REFUND_WINDOW_DAYS)
    for payment in page.object_list:
        payment.can_refund = (
            payment.status == Payment.Status.SUCCEEDED
            and payment.created_at >= window_start
            and payment.refund_reserved_amount < payment.total_amount
        )
    return {
        "payments": page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": Payment.DisplayStatus.choices,
    }


def subscriptions_tab(customer: Customer, params) -> dict:
    """Current subscriptions by default; `status=all` or one SubscriptionStatus."""
    status = params.get("status", "")
    subscriptions = (
        Subscription.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .select_related("product")
        .order_by("-created_at", "-id")
    )
    if status in Subscription.Status.values:
        subscriptions = subscriptions.filter(status=status)
    elif status != "all":
        status = ""
        subscriptions = subscriptions.filter(status__in=Subscription.CURRENT)
    paginator, page = tab_page(subscriptions, params)
    return {
        "subscriptions": page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": Subscription.Status.choices,
    }
