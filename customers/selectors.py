"""Reads for the customer details page's tabs (and, later, the API and portal).

Each tab is one scoped, filtered, ordered queryset and a capped paginator, so a
tab costs the same few queries however many rows the customer has.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from customers.core.pagination import CappedPaginator
from customers.models import Customer, LicenseKey, LicenseKeyInstance, Payment, Subscription

TAB_PER_PAGE = 10
TAB_COUNT_CAP = 10_000


def _page(queryset: QuerySet, count_queryset: QuerySet, params) -> tuple:
    paginator = CappedPaginator(
        queryset, TAB_PER_PAGE, count_queryset=count_queryset, cap=TAB_COUNT_CAP
    )
    page = paginator.get_page(params.get("page"))
    return paginator, page


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
    paginator, page = _page(payments, payments, params)
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
    paginator, page = _page(subscriptions, subscriptions, params)
    return {
        "subscriptions": page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": Subscription.Status.choices,
    }


def license_keys_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    keys = LicenseKey.objects.for_business(customer.business_id).filter(customer=customer)
    now = timezone.now()
    past_expiry = Q(status=LicenseKey.Status.ACTIVE, expires_at__lte=now)
    if status == LicenseKey.Status.EXPIRED:
        keys = keys.filter(Q(status=status) | past_expiry)
    elif status == LicenseKey.Status.ACTIVE:
        keys = keys.filter(status=status).exclude(past_expiry)
    elif status in LicenseKey.Status.values:
        keys = keys.filter(status=status)
    else:
        status = ""
    counted = keys
    keys = (
        keys.select_related("product")
        .annotate(instances_count=Count("instances"))
        .prefetch_related(
            Prefetch("instances", queryset=LicenseKeyInstance.objects.order_by("created_at", "id"))
        )
        .order_by("-created_at", "-id")
    )
    paginator, page = _page(keys, counted, params)
    return {
        "license_keys": page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": LicenseKey.Status.choices,
    }
