"""Small helpers the customers app's tests share: URLs, table rows, query plans."""

from django.db import connection, transaction
from django.urls import reverse


def detail(customer, **params) -> str:
    """The customer's details page URL, with `params` (a tab, a status…) as its query."""
    url = reverse("customers:detail", args=[customer.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def names(response) -> list[str]:
    """The names in the customer table's rows on the page, in order."""
    return [row.record.name for row in response.context["table"].paginated_rows]


def plan(queryset) -> str:
    """The plan PostgreSQL picks when it may not scan the whole table."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()
