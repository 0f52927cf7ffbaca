"""Reads of a customer's license keys (the details page's tab)."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from customers.core.pagination import tab_page
from customers.models import Customer, LicenseKey, LicenseKeyInstance


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
    paginator, page = tab_page(keys, params, count_queryset=counted)
    return {
        "license_keys": page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": LicenseKey.Status.choices,
    }
