"""BusinessDay: a business's money per UTC day and currency, kept by triggers.

Each payment, refund, subscription and wallet ledger entry contributes to its
business's day according to its own fields (see
`customers.reports.summaries.day_contributions`). A row trigger takes the old row's
contribution away and adds the new one's as deltas (`revenue = revenue + x`), so
concurrent writers both land; a removal only updates an existing row (a delete never
creates one, as with CustomerSpend). `customerhub.defer_summaries` switches the
triggers off for a bulk load on PostgreSQL, which then calls `summaries_rebuild`.
The same triggers exist for SQLite. Existing rows are backfilled here.

The SQL comes from `customers.reports.summaries`: a change there needs a new
migration that re-creates the triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

from customers.reports.summaries import DAY_FIGURES, day_contributions, day_rebuild_sql

PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION customers_day_change(\n"
    "    p_business varchar, p_day date, p_currency varchar, p_sign int,\n"
    + ",\n".join(f"    p_{name} bigint DEFAULT 0" for name in DAY_FIGURES)
    + "\n) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
    + "    IF " + " AND ".join(f"p_{name} = 0" for name in DAY_FIGURES) + " THEN RETURN; END IF;\n"
    + "    IF p_sign > 0 THEN\n"
    + f"        INSERT INTO customers_businessday (business_id, day, currency, {', '.join(DAY_FIGURES)})\n"
    + f"        VALUES (p_business, p_day, p_currency, {', '.join(f'p_{n}' for n in DAY_FIGURES)})\n"
    + "        ON CONFLICT (business_id, day, currency) DO UPDATE SET "
    + ", ".join(f"{n} = customers_businessday.{n} + EXCLUDED.{n}" for n in DAY_FIGURES)
    + ";\n    ELSE\n"
    + "        UPDATE customers_businessday SET "
    + ", ".join(f"{n} = {n} - p_{n}" for n in DAY_FIGURES)
    + "\n        WHERE business_id = p_business AND day = p_day AND currency = p_currency;\n"
    + "    END IF;\nEND $$;\n"
)


def _pg_calls(parts, row: str, sign: int) -> str:
    calls = []
    for day, currency, figures in parts:
        named = ", ".join(
            f"p_{name} => {expr.replace('R.', f'{row}.')}" for name, expr in figures.items()
        )
        calls.append(
            f"PERFORM customers_day_change({row}.business_id, {day.replace('R.', f'{row}.')}, "
            f"{currency.replace('R.', f'{row}.')}, {sign}, {named});"
        )
    return "\n        ".join(calls)


def _pg_trigger(table: str, columns, parts) -> str:
    unchanged = " AND ".join(f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in columns) or "true"
    events = "INSERT" if not columns else f"INSERT OR DELETE OR UPDATE OF {', '.join(columns)}"
    return f"""
CREATE OR REPLACE FUNCTION {table}_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('customerhub.defer_summaries', true) = 'on' THEN RETURN NULL; END IF;
    IF TG_OP = 'UPDATE' AND {unchanged} THEN RETURN NULL; END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_pg_calls(parts, "OLD", -1)}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_pg_calls(parts, "NEW", 1)}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {table}_day AFTER {events} ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_day();
"""


def _sqlite_add(day, currency, figures, row: str) -> str:
    values = [figures.get(n, "0").replace("R.", f"{row}.") for n in DAY_FIGURES]
    nonzero = " OR ".join(f"({v}) <> 0" for v in values)
    return (
        f"INSERT INTO customers_businessday (business_id, day, currency, {', '.join(DAY_FIGURES)}) "
        f"SELECT {row}.business_id, {day.replace('R.', f'{row}.')}, "
        f"{currency.replace('R.', f'{row}.')}, {', '.join(values)} WHERE {nonzero} "
        "ON CONFLICT (business_id, day, currency) DO UPDATE SET "
        + ", ".join(f"{n} = {n} + excluded.{n}" for n in DAY_FIGURES)
        + ";"
    )


def _sqlite_remove(day, currency, figures, row: str) -> str:
    sets = ", ".join(f"{n} = {n} - ({e.replace('R.', f'{row}.')})" for n, e in figures.items())
    return (
        f"UPDATE customers_businessday SET {sets} WHERE business_id = {row}.business_id "
        f"AND day = {day.replace('R.', f'{row}.')} AND currency = {currency.replace('R.', f'{row}.')};"
    )


def _sqlite_triggers(table: str, columns, parts) -> list[str]:
    add = " ".join(_sqlite_add(*part, "NEW") for part in parts)
    remove = " ".join(_sqlite_remove(*part, "OLD") for part in parts)
    name = f"{table}_day"
    triggers = [f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {add} END"]
    if columns:
        triggers += [
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {remove} END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {remove} {add} END",
        ]
    return triggers


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    tables = day_contributions(vendor)
    if vendor == "postgresql":
        statements = [PG_FUNCTION] + [_pg_trigger(t, c, p) for t, (c, p) in tables.items()]
    else:
        statements = [s for t, (c, p) in tables.items() for s in _sqlite_triggers(t, c, p)]
    for sql in [*statements, day_rebuild_sql(vendor, business=False)]:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    tables = day_contributions(schema_editor.connection.vendor)
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_day ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_day()")
        else:
            for op in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_day_{op}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS customers_day_change")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0021_subscription_changes_emails"),
        ("wallets", "0003_ledger_description"),
    ]

    operations = [
        migrations.CreateModel(
            name="BusinessDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("currency", models.CharField(max_length=3)),
                *[(name, models.BigIntegerField(default=0)) for name in DAY_FIGURES],
                (
                    "business",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.business",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("business", "day", "currency"), name="business_day_currency"
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
