"""Bulk loads and the kept figures (CustomerSpend, SignupDay, BusinessDay; see their models).

Row triggers keep both tables right for every ordinary write. A bulk load of
millions of rows (`seed_demo`) would pay one upsert per row, so on PostgreSQL it
may switch the triggers off for its own transaction with `summaries_defer()` and
then recompute the business's figures in two set-based statements with
`summaries_rebuild()`. Run both inside the same `transaction.atomic()`, with no
other writer loading the same business.
"""

from django.db import connection, transaction

from customers.models import Business

# BusinessDay's figures, in the order of its columns.
DAY_FIGURES = (
    "payments",
    "revenue",
    "refunds",
    "payments_failed",
    "subscriptions_started",
    "subscriptions_churned",
    "active_subscriptions",
    "mrr",
    "wallet_held",
)
_ENDED = "('cancelled', 'expired')"


def day_sql(at: str, vendor: str) -> str:
    """The UTC day of the timestamp expression `at`."""
    return f"({at} AT TIME ZONE 'UTC')::date" if vendor == "postgresql" else f"date({at})"


def _monthly(r: str) -> str:
    """A subscription row's amount per month (minor units, integer division, the same on
    both databases): a yearly plan is a twelfth, a weekly one 52/12 of its price."""
    n = f"(CASE WHEN {r}.payment_frequency_count < 1 THEN 1 ELSE {r}.payment_frequency_count END)"
    amount = f"{r}.recurring_pre_tax_amount"
    return (
        f"(CASE {r}.payment_frequency_interval "
        f"WHEN 'Day' THEN {amount} * 365 / (12 * {n}) "
        f"WHEN 'Week' THEN {amount} * 52 / (12 * {n}) "
        f"WHEN 'Year' THEN {amount} / (12 * {n}) "
        f"ELSE {amount} / {n} END)"
    )


def day_contributions(vendor: str) -> dict[str, tuple[tuple[str, ...], list]]:
    """What one source row adds to BusinessDay, by table: (the columns whose change
    changes it, parts); a part is (day, currency, {figure: expression}) with `R`
    standing for the row. Only the row's own fields count, so the triggers (which
    take OLD's parts away and add NEW's) and a rebuild (which sums every row's parts)
    agree. A subscription adds its start on the day it was created (active and MRR if
    it is active or has ended since) and, once cancelled or expired, its end on the
    day of `cancelled_at` (else its `next_billing_date`)."""
    created = day_sql("R.created_at", vendor)
    ended = day_sql("COALESCE(R.cancelled_at, R.next_billing_date)", vendor)
    ended_now = f"R.status IN {_ENDED}"
    was_active = f"(R.status = 'active' OR {ended_now})"
    return {
        "customers_payment": (
            ("status", "total_amount", "currency", "created_at", "business_id"),
            [
                (
                    created,
                    "R.currency",
                    {
                        "payments": "CASE WHEN R.status = 'succeeded' THEN 1 ELSE 0 END",
                        "revenue": (
                            "CASE WHEN R.status = 'succeeded' THEN R.total_amount ELSE 0 END"
                        ),
                        "payments_failed": (
                            "CASE WHEN R.status IN ('failed', 'cancelled') THEN 1 ELSE 0 END"
                        ),
                    },
                )
            ],
        ),
        "customers_refund": (
            ("status", "amount", "currency", "created_at", "business_id"),
            [
                (
                    created,
                    "R.currency",
                    {"refunds": "CASE WHEN R.status = 'succeeded' THEN R.amount ELSE 0 END"},
                )
            ],
        ),
        "customers_subscription": (
            (
                "status",
                "recurring_pre_tax_amount",
                "currency",
                "created_at",
                "cancelled_at",
                "next_billing_date",
                "payment_frequency_count",
                "payment_frequency_interval",
                "business_id",
            ),
            [
                (
                    created,
                    "R.currency",
                    {
                        "subscriptions_started": (
                            "CASE WHEN R.status IN ('pending', 'failed') THEN 0 ELSE 1 END"
                        ),
                        "active_subscriptions": f"CASE WHEN {was_active} THEN 1 ELSE 0 END",
                        "mrr": f"CASE WHEN {was_active} THEN {_monthly('R')} ELSE 0 END",
                    },
                ),
                (
                    ended,
                    "R.currency",
                    {
                        "subscriptions_churned": f"CASE WHEN {ended_now} THEN 1 ELSE 0 END",
                        "active_subscriptions": f"CASE WHEN {ended_now} THEN -1 ELSE 0 END",
                        "mrr": f"CASE WHEN {ended_now} THEN -{_monthly('R')} ELSE 0 END",
                    },
                ),
            ],
        ),
        "wallets_ledgerentry": (
            (),  # append-only: inserts only
            [
                (
                    created,
                    "R.currency",
                    {
                        "wallet_held": (
                            "CASE WHEN R.direction = 'credit' THEN R.amount ELSE -R.amount END"
                        )
                    },
                )
            ],
        ),
    }


def day_rebuild_sql(vendor: str, *, business: bool) -> str:
    """INSERT every BusinessDay row from the source tables (one business's rows, with
    the parameter %(b)s, or every business's)."""
    selects = []
    for table, (_columns, parts) in day_contributions(vendor).items():
        where = " WHERE R.business_id = %(b)s" if business else ""
        for day, currency, figures in parts:
            values = ", ".join(f"{figures.get(name, '0')} AS {name}" for name in DAY_FIGURES)
            selects.append(
                f"SELECT R.business_id AS business_id, {day} AS day, {currency} AS currency, "
                f"{values} FROM {table} R{where}"
            )
    sums = ", ".join(f"SUM({name})" for name in DAY_FIGURES)
    nonzero = " OR ".join(f"SUM({name}) <> 0" for name in DAY_FIGURES)
    return (
        f"INSERT INTO customers_businessday (business_id, day, currency, {', '.join(DAY_FIGURES)}) "
        f"SELECT business_id, day, currency, {sums} FROM ({' UNION ALL '.join(selects)}) AS parts "
        f"GROUP BY business_id, day, currency HAVING {nonzero}"
    )


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
    """Recompute `business`'s spend, sign-up and daily money figures from the source
    tables."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_DEFER.format("off"))
        params = {"b": business.pk}
        cur.execute("DELETE FROM customers_customerspend WHERE business_id = %(b)s", params)
        cur.execute(_SPEND, params)
        cur.execute("DELETE FROM customers_signupday WHERE business_id = %(b)s", params)
        cur.execute(_signups(), params)
        cur.execute("DELETE FROM customers_businessday WHERE business_id = %(b)s", params)
        cur.execute(day_rebuild_sql(connection.vendor, business=True), params)
