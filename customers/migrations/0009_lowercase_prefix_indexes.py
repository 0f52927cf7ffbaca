"""Prefix search (1–2 character terms) on LOWER(name) and LOWER(email).

The first prefix indexes were on UPPER(col::text), the same expression as the
trigram indexes, so for `UPPER(email) LIKE 'JO%'` the planner could pick the
trigram index, which cannot tell "starts with" from "contains" and sends tens of
thousands of rows to a recheck at a million customers. On LOWER(...) only the
b-tree can serve the prefix arms (customers.models.CustomerQuerySet.search).
PostgreSQL only, like 0002.
"""

from django.db import migrations

LOWER = [
    "CREATE INDEX IF NOT EXISTS customer_name_prefix ON customers_customer "
    "(business_id, LOWER(name::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_email_prefix ON customers_customer "
    "(business_id, LOWER(email::text) text_pattern_ops)",
]
UPPER = [sql.replace("LOWER(", "UPPER(") for sql in LOWER]
DROP = [
    "DROP INDEX IF EXISTS customer_name_prefix",
    "DROP INDEX IF EXISTS customer_email_prefix",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in [*DROP, *statements]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_summary_triggers")]
    operations = [migrations.RunPython(_run(LOWER), _run(UPPER))]
