"""Table preferences: which columns one member sees, in order, per table and business."""

from customers.models import Business, TablePreference


def table_columns_saved(*, user, business: Business, table: str) -> list[str]:
    """The column names this member saved for `table` (a Table class name), or []."""
    saved = (
        TablePreference.objects.filter(user=user, business=business, table=table)
        .values_list("columns", flat=True)
        .first()
    )
    return saved or []


def table_columns_save(*, user, business: Business, table: str, columns: list[str]) -> None:
    """Save the member's choice (a personal view setting: viewers may too)."""
    TablePreference.objects.update_or_create(
        user=user, business=business, table=table, defaults={"columns": columns}
    )
