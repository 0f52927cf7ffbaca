"""The kept figures (CustomerSpend, SignupDay; see their models): reading them,
and bulk loads.

Row triggers keep both tables right for every ordinary write. A bulk load of
millions of rows (`seed_demo`) would pay one upsert per row, so on PostgreSQL it
may switch the triggers off for its own transaction with `summaries_defer()` and
then recompute the business's figures in two set-based statements with
`summaries_rebuild()`. Run both inside the same `transaction.atomic()`, with no
other writer loading the same business.
"""

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef

from customers.models import Business, CustomerSpend

_DEFER = "SET LOCAL customerhub.defer_summaries = '{}'"

_SPEND = """
INSERT INTO customers_customerspend
    (business_id, customer_id, currency, paid, refunded, customer_created_at)
SELECT %(b)s, customer_id, currency, SUM(paid), SUM(refunded), MAX(c.created_at) FROM (
    SELECT customer_id, currency, total_amount AS paid, 0 AS refunded
    FROM customers_payment WHERE business_id = %(b)s AND status = 'succeeded'
    UNION ALL
    SELECT customer_id, currency, 0, amount
    FROM customers_refund WHERE business_id = %(b)s AND status = 'succeeded'
) AS moves JOIN customers_customer c ON c.id = moves.customer_id
GROUP BY customer_id, currency
"""


def _signups() -> str:
    if connection.vendor == "postgresql":
        day = "(created_at AT TIME ZONE 'UTC')::date"
    else:
        day = "date(created_at)"
    return (
        "INSERT INTO customers_signupday (business_id, day, customers) "
        f"SELECT %(b)s, {day}, COUNT(*) FROM customers_customer WHERE business_id = %(b)s "
        "GROUP BY 2"
    )


def summaries_defer() -> None:
    """Switch the summary triggers off until the end of this transaction (PostgreSQL)."""
    if not connection.in_atomic_block:
        raise RuntimeError("summaries_defer() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(_DEFER.format("on"))


def summaries_rebuild(business: Business) -> None:
    """Recompute `business`'s spend and sign-up figures from the source tables."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_DEFER.format("off"))
        params = {"b": business.pk}
        cur.execute("DELETE FROM customers_customerspend WHERE business_id = %(b)s", params)
        cur.execute(_SPEND, params)
        cur.execute("DELETE FROM customers_signupday WHERE business_id = %(b)s", params)
        cur.execute(_signups(), params)


# Reading: customers who paid at least an amount, from the spend indexes.


def paid_at_least(currency: str, minimum: int) -> Exists:
    """Customers whose total paid in `currency` is at least `minimum` (> 0)."""
    return Exists(
        CustomerSpend.objects.filter(
            business=OuterRef("business_id"), customer=OuterRef("pk")
        ).filter(currency=currency, net__gte=minimum)
    )


def spenders(business, currency: str, minimum: int, cap: int, *, since=None, until=None):
    """All their IDs (signed up in [since, until)) if there are at most `cap`, else None:
    counted, then read, on the (business, currency, net) index."""
    matches = _spending(business, currency, minimum, since, until)
    if matches[: cap + 1].count() > cap:
        return None
    return list(matches.values_list("customer_id", flat=True))


def spenders_span(business, currency: str, minimum: int) -> tuple:
    """When the oldest and the newest of them signed up (two index lookups)."""
    span = _spending(business, currency, minimum).aggregate(
        first=Min("customer_created_at"), last=Max("customer_created_at")
    )
    return span["first"], span["last"]


def spenders_in_order(
    business, currency: str, minimum: int, limit: int, *, newest_first: bool, since, until
) -> list[str]:
    """The IDs of the first `limit` of them by sign-up (newest or oldest first) who
    signed up in [since, until): one walk along the (business, currency,
    customer_created_at, customer) index, no table rows."""
    order = _by_signup("", newest_first)
    matches = _spending(business, currency, minimum, since, until).order_by(*order)
    return list(matches.values_list("customer_id", flat=True)[:limit])


def spenders_among(customers, currency: str, minimum: int, limit: int, *, newest_first: bool):
    """Like spenders_in_order, for the customers of a filtered queryset: the spend
    index is walked in sign-up order and each spender's customer row checked, so
    the work grows with the spenders passed over, not with the customers table."""
    matches = customers.filter(spend__currency=currency, spend__net__gte=minimum)
    order = _by_signup("spend__", newest_first)
    return list(matches.order_by(*order).values_list("id", flat=True)[:limit])


def _by_signup(path: str, newest_first: bool) -> list[str]:
    """CustomerSpend's sign-up order (the customer table's), reached through `path`."""
    sign = "-" if newest_first else ""
    return [f"{sign}{path}customer_created_at", f"{sign}{path}customer_id"]


def _spending(business, currency: str, minimum: int, since=None, until=None):
    matches = CustomerSpend.objects.filter(business=business, currency=currency, net__gte=minimum)
    if since:
        matches = matches.filter(customer_created_at__gte=since)
    if until:
        matches = matches.filter(customer_created_at__lt=until)
    return matches
