"""Reads of a customer's license keys: the details page's tab and the portal page."""

from django.db.models import Prefetch, QuerySet

from customers.core.pagination import tab_context
from customers.models import Customer, LicenseKey, LicenseKeyInstance


def customer_license_keys(customer: Customer, *, status: str = "") -> QuerySet:
    """The customer's keys, newest first, with their product, activations (oldest
    first) and `instances_count`; `status` is an effective LicenseKey status or ""."""
    keys = LicenseKey.objects.for_business(customer.business_id).filter(customer=customer)
    if status:
        keys = keys.with_effective_status(status)
    return (
        keys.select_related("product")
        .with_instances_count()
        .prefetch_related(
            Prefetch("instances", queryset=LicenseKeyInstance.objects.order_by("created_at", "id"))
        )
        .newest_first()
    )


def license_keys_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    status = status if status in LicenseKey.Status.values else ""
    keys = customer_license_keys(customer, status=status)
    # Counted without the join and annotation the page needs.
    counted = LicenseKey.objects.for_business(customer.business_id).filter(customer=customer)
    if status:
        counted = counted.with_effective_status(status)
    return tab_context(
        "license_keys",
        keys,
        params,
        status=status,
        choices=LicenseKey.Status.choices,
        count_queryset=counted,
    )
