"""Admin for customer imports and tombstones (registered from CustomersConfig.ready,
beside customers/admin.py): both are made by the dashboard, shown here read-only."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import CustomerImport, CustomerTombstone


@admin.register(CustomerImport)
class CustomerImportAdmin(ReadOnlyAdmin):
    """CSV imports: their counts, outcome and last error."""

    list_display = ["created_at", "id", "business", "filename", "status", "rows_created", "error"]
    list_filter = ["status"]
    search_fields = ["=id"]
    list_select_related = ["business"]


@admin.register(CustomerTombstone)
class CustomerTombstoneAdmin(ReadOnlyAdmin):
    """Deleted and merged customers: why, by whom, and the survivor of a merge."""

    list_display = ["created_at", "customer", "business", "reason", "merged_into", "actor_label"]
    list_filter = ["reason"]
    search_fields = ["=customer__id"]
    list_select_related = ["business", "customer", "merged_into"]
