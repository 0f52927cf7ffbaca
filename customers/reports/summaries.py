"""Bulk loads and the kept figures (CustomerSpend, SignupDay; see their models).

Row triggers keep both tables right for every ordinary write. A bulk load of
millions of rows (`seed_demo`) would pay one upsert per row, so on PostgreSQL it
may switch the triggers off for its own transaction with `summaries_defer()` and
then recompute the business's figures in two set-based statements with
`summaries_rebuild()`. Run both inside the same `transaction.atomic()`, with no
other writer loading the same business.
"""

from django.db import connection, transaction

from customers.models import Business

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
