"""Table preferences: which columns one member sees, in order, per table and business."""

from django.db.models import QuerySet

from customers.core.prepared import prepared
from customers.models import Business, TablePreference


def table_columns_saved(*, user, business: Business, table: str) -> list[str]:
    """The column names this member saved for `table` (a Table class name), or []."""
    saved = _saved_columns(user_id=user.pk, business_id=business.pk, table=table)
    return (saved[0] if saved else None) or []


@prepared("user_id", "business_id", "table")
def _saved_columns(*, user_id: int, business_id: str, table: str) -> QuerySet:
    preference = TablePreference.objects.filter(
        user_id=user_id, business_id=business_id, table=table
    )
    return preference.order_by("pk").values_list("columns", flat=True)[:1]


def table_columns_save(*, user, business: Business, table: str, columns: list[str]) -> None:
    """Save the member's choice (a personal view setting: viewers may too)."""
    TablePreference.objects.update_or_create(
        user=user, business=business, table=table, defaults={"columns": columns}
    )
