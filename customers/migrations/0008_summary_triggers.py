"""Triggers that keep CustomerSpend and SignupDay in step with their sources.

A payment counts toward its customer's `paid` while its status is `succeeded`; a
refund toward `refunded` while its status is `succeeded`. Each trigger removes the
old row's contribution and adds the new one's as a delta (`paid = paid + x`), so two
transactions writing for the same customer at once both land, in any order. A
removal only updates an existing row (a delete never creates one, so deleting a
customer's rows in any order, as a test database flush does, leaves nothing behind).
Each spend row also copies its customer's `created_at` (kept in step if it
changes). SignupDay counts customers by the UTC day of `created_at`.

On PostgreSQL a bulk load may set `customerhub.defer_summaries = 'on'` for its
transaction and then call `customers.reports.summaries.summaries_rebuild()`; see there.
The same triggers exist for SQLite, so both databases behave alike.
"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION customers_spend_add(
    p_business varchar, p_customer varchar, p_currency varchar, p_paid bigint, p_refunded bigint
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO customers_customerspend
        (business_id, customer_id, currency, paid, refunded, customer_created_at)
    SELECT p_business, p_customer, p_currency, p_paid, p_refunded, c.created_at
    FROM customers_customer c WHERE c.id = p_customer
    ON CONFLICT (customer_id, currency) DO UPDATE
    SET paid = customers_customerspend.paid + EXCLUDED.paid,
        refunded = customers_customerspend.refunded + EXCLUDED.refunded
$$;

{payment_spend}
{refund_spend}
CREATE OR REPLACE FUNCTION customers_signup_add(p_business varchar, p_at timestamptz, p_n bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO customers_signupday (business_id, day, customers)
    VALUES (p_business, (p_at AT TIME ZONE 'UTC')::date, p_n)
    ON CONFLICT (business_id, day) DO UPDATE
    SET customers = customers_signupday.customers + EXCLUDED.customers
$$;

CREATE OR REPLACE FUNCTION customers_customer_signup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('customerhub.defer_summaries', true) = 'on' THEN RETURN NULL; END IF;
    IF TG_OP = 'UPDATE' AND OLD.created_at = NEW.created_at
       AND OLD.business_id = NEW.business_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.created_at <> NEW.created_at THEN
        UPDATE customers_customerspend SET customer_created_at = NEW.created_at
        WHERE customer_id = NEW.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE customers_signupday SET customers = customers - 1
        WHERE business_id = OLD.business_id AND day = (OLD.created_at AT TIME ZONE 'UTC')::date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM customers_signup_add(NEW.business_id, NEW.created_at, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_payment_spend
AFTER INSERT OR DELETE OR UPDATE OF status, total_amount, currency, customer_id
ON customers_payment FOR EACH ROW EXECUTE FUNCTION customers_payment_spend();

CREATE TRIGGER customers_refund_spend
AFTER INSERT OR DELETE OR UPDATE OF status, amount, currency, customer_id
ON customers_refund FOR EACH ROW EXECUTE FUNCTION customers_refund_spend();

CREATE TRIGGER customers_customer_signup
AFTER INSERT OR DELETE OR UPDATE OF created_at, business_id
ON customers_customer FOR EACH ROW EXECUTE FUNCTION customers_customer_signup();
"""



def _pg_spend(table: str, amount: str, column: str) -> str:
    """The trigger function keeping `amount` of `table`'s succeeded rows in `column`."""
    paid, refunded = (f"NEW.{amount}", "0") if column == "paid" else ("0", f"NEW.{amount}")
    return f"""
CREATE OR REPLACE FUNCTION {table}_spend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('customerhub.defer_summaries', true) = 'on' THEN RETURN NULL; END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.{amount} = NEW.{amount}
       AND OLD.currency = NEW.currency AND OLD.customer_id = NEW.customer_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'succeeded' THEN
        UPDATE customers_customerspend SET {column} = {column} - OLD.{amount}
        WHERE customer_id = OLD.customer_id AND currency = OLD.currency;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'succeeded' THEN
        PERFORM customers_spend_add(
            NEW.business_id, NEW.customer_id, NEW.currency, {paid}, {refunded});
    END IF;
    RETURN NULL;
END $$;
"""


PG_CREATE = PG_CREATE.format(
    payment_spend=_pg_spend("customers_payment", "total_amount", "paid"),
    refund_spend=_pg_spend("customers_refund", "amount", "refunded"),
)

PG_DROP = """
DROP TRIGGER IF EXISTS customers_payment_spend ON customers_payment;
DROP TRIGGER IF EXISTS customers_refund_spend ON customers_refund;
DROP TRIGGER IF EXISTS customers_customer_signup ON customers_customer;
DROP FUNCTION IF EXISTS customers_payment_spend();
DROP FUNCTION IF EXISTS customers_refund_spend();
DROP FUNCTION IF EXISTS customers_customer_signup();
DROP FUNCTION IF EXISTS customers_spend_add(varchar, varchar, varchar, bigint, bigint);
DROP FUNCTION IF EXISTS customers_signup_add(varchar, timestamptz, bigint);
"""


def _sqlite_spend(table: str, amount: str, column: str) -> list[str]:
    """INSERT/DELETE/UPDATE triggers keeping `amount` of succeeded rows in `column`."""
    paid, refunded = ("{0}", "0") if column == "paid" else ("0", "{0}")

    def remove(row: str) -> str:  # only an existing row: deletes never create one
        return (
            f"UPDATE customers_customerspend SET {column} = {column} - {row}.{amount} "
            f"WHERE customer_id = {row}.customer_id AND currency = {row}.currency "
            f"AND {row}.status = 'succeeded';"
        )

    def add(row: str) -> str:
        value = f"{row}.{amount}"
        return (
            "INSERT INTO customers_customerspend "
            "(business_id, customer_id, currency, paid, refunded, customer_created_at) "
            f"SELECT {row}.business_id, {row}.customer_id, {row}.currency, "
            f"{paid.format(value)}, {refunded.format(value)}, c.created_at "
            f"FROM customers_customer c WHERE c.id = {row}.customer_id "
            f"AND {row}.status = 'succeeded' "
            "ON CONFLICT (customer_id, currency) DO UPDATE "
            "SET paid = paid + excluded.paid, refunded = refunded + excluded.refunded;"
        )

    name = f"{table}_spend"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {add('NEW')} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {remove('OLD')} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF status, {amount}, currency, customer_id "
        f"ON {table} BEGIN {remove('OLD')} {add('NEW')} END",
    ]


def _sqlite_signup() -> list[str]:
    def add(row: str) -> str:
        return (
            "INSERT INTO customers_signupday (business_id, day, customers) "
            f"SELECT {row}.business_id, date({row}.created_at), 1 WHERE true "
            "ON CONFLICT (business_id, day) DO UPDATE "
            "SET customers = customers + excluded.customers;"
        )

    def remove(row: str) -> str:
        return (
            "UPDATE customers_signupday SET customers = customers - 1 "
            f"WHERE business_id = {row}.business_id AND day = date({row}.created_at);"
        )

    name = "customers_customer_signup"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON customers_customer "
        f"BEGIN {add('NEW')} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON customers_customer "
        f"BEGIN {remove('OLD')} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF created_at, business_id "
        f"ON customers_customer BEGIN {remove('OLD')} {add('NEW')} END",
        "CREATE TRIGGER customers_customer_spend_created AFTER UPDATE OF created_at "
        "ON customers_customer BEGIN UPDATE customers_customerspend "
        "SET customer_created_at = NEW.created_at WHERE customer_id = NEW.id; END",
    ]


SQLITE_TRIGGERS = [
    *_sqlite_spend("customers_payment", "total_amount", "paid"),
    *_sqlite_spend("customers_refund", "amount", "refunded"),
    *_sqlite_signup(),
]
SQLITE_NAMES = [
    f"{prefix}_{op}"
    for prefix in ("customers_payment_spend", "customers_refund_spend", "customers_customer_signup")
    for op in ("insert", "delete", "update")
] + ["customers_customer_spend_created"]

# Rows that existed before the triggers: computed once from the source tables.
BACKFILL = [
    """
    INSERT INTO customers_customerspend
        (business_id, customer_id, currency, paid, refunded, customer_created_at)
    SELECT moves.business_id, customer_id, currency, SUM(paid), SUM(refunded), MAX(c.created_at)
    FROM (
        SELECT business_id, customer_id, currency, total_amount AS paid, 0 AS refunded
        FROM customers_payment WHERE status = 'succeeded'
        UNION ALL
        SELECT business_id, customer_id, currency, 0, amount
        FROM customers_refund WHERE status = 'succeeded'
    ) AS moves JOIN customers_customer c ON c.id = moves.customer_id
    GROUP BY moves.business_id, customer_id, currency
    """,
]


def _signup_backfill(vendor: str) -> str:
    day = "(created_at AT TIME ZONE 'UTC')::date" if vendor == "postgresql" else "date(created_at)"
    return (
        "INSERT INTO customers_signupday (business_id, day, customers) "
        f"SELECT business_id, {day}, COUNT(*) FROM customers_customer GROUP BY 1, 2"
    )


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_CREATE] if vendor == "postgresql" else SQLITE_TRIGGERS
    for sql in [*statements, *BACKFILL, _signup_backfill(vendor)]:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    else:
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute("DELETE FROM customers_customerspend")
    schema_editor.execute("DELETE FROM customers_signupday")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_summaries")]
    operations = [migrations.RunPython(create, drop)]
