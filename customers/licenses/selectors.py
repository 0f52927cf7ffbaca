"""Reads of a customer's license keys: the details page's tab and the portal page."""

from django.db.models import Prefetch, QuerySet

from customers.core.pagination import tab_context
from customers.core.prepared import PreparedRows, prepared
from customers.models import Customer, LicenseKey, LicenseKeyInstance


def customer_license_keys(customer: Customer, *, status: str = "") -> PreparedRows:
    """The customer's keys, newest first, with their product, activations (oldest
    first) and `instances_count`; `status` is an effective LicenseKey status or "".
    Prepared rows (customers.core.prepared): a paginator's count and slices."""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    return _license_keys.rows(**ids, status=status)


def license_keys_tab(customer: Customer, params) -> dict:
    status = params.get("status", "")
    status = status if status in LicenseKey.Status.values else ""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    return tab_context(
        "license_keys",
        _license_keys.rows(**ids, status=status),
        params,
        status=status,
        choices=LicenseKey.Status.choices,
        count_queryset=_license_keys_counted.rows(**ids, status=status),
    )


@prepared("business_id", "customer_id")
def _license_keys(*, business_id: str, customer_id: str, status: str) -> QuerySet:
    return (
        _license_keys_counted.queryset(
            business_id=business_id, customer_id=customer_id, status=status
        )
        .select_related("product")
        .with_instances_count()
        .prefetch_related(
            Prefetch("instances", queryset=LicenseKeyInstance.objects.order_by("created_at", "id"))
        )
        .newest_first()
    )


@prepared("business_id", "customer_id")
def _license_keys_counted(*, business_id: str, customer_id: str, status: str) -> QuerySet:
    """The keys without the join and annotation a page of them needs: what is counted."""
    keys = LicenseKey.objects.for_business(business_id).filter(customer_id=customer_id)
    return keys.with_effective_status(status) if status else keys
