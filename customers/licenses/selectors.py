"""Reads of a customer's license keys: the details page's tab and the portal page."""

from django.db.models import Prefetch, QuerySet

from customers.core.pagination import tab_context
from customers.core.prepared import PreparedRows, prepared
from customers.models import Customer, LicenseKey, LicenseKeyInstance


def customer_license_keys(customer: Customer) -> PreparedRows:
    """The customer's keys, newest first, with their product, activations (oldest
    first) and `instances_count`. Prepared rows (customers.core.prepared): a
    paginator's count and slices."""
    return _license_keys.rows(business_id=customer.business_id, customer_id=customer.pk)


def license_keys_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    status = status if status in LicenseKey.Status.values else ""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    if status:  # the effective status reads the clock: its SQL changes with every call
        keys = _license_keys.queryset(**ids).with_effective_status(status)
        counted = _license_keys_counted.queryset(**ids).with_effective_status(status)
    else:
        keys, counted = _license_keys.rows(**ids), _license_keys_counted.rows(**ids)
    return tab_context(
        "license_keys",
        keys,
        params,
        status=status,
        choices=LicenseKey.Status.choices,
        count_queryset=counted,
    )


@prepared("business_id", "customer_id")
def _license_keys(*, business_id: str, customer_id: str) -> QuerySet:
    return (
        _license_keys_counted.queryset(business_id=business_id, customer_id=customer_id)
        .select_related("product")
        .with_instances_count()
        .prefetch_related(
            Prefetch("instances", queryset=LicenseKeyInstance.objects.order_by("created_at", "id"))
        )
        .newest_first()
    )


@prepared("business_id", "customer_id")
def _license_keys_counted(*, business_id: str, customer_id: str) -> QuerySet:
    """The keys without the join and annotation a page of them needs: what is counted."""
    return LicenseKey.objects.for_business(business_id).filter(customer_id=customer_id)
