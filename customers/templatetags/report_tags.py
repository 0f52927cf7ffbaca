"""Template helpers for exports: the customer table's current view as an export URL."""

from django import template
from django.urls import reverse

from customers.tables import CustomerTable

register = template.Library()

# The table's paging parameters: an export has every matching row.
_PAGING = ("page", "per_page")


@register.simple_tag(takes_context=True)
def export_url(context, fmt: str) -> str:
    """`/customers/export.<fmt>` with the table's search, filters, sort and columns."""
    query = context["request"].GET.copy()
    for key in _PAGING:
        query.pop(key, None)
    visible = context.get("visible_columns") or []
    columns = [name for name in visible if name not in CustomerTable.editor_columns]
    if columns:
        query["columns"] = ",".join(columns)
    encoded = query.urlencode(safe=",")
    url = reverse(f"customers:export_{fmt}")
    return f"{url}?{encoded}" if encoded else url
