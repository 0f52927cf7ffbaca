"""Search indexes that only PostgreSQL has.

Django's `icontains`/`istartswith` compile to `UPPER(col::text) LIKE UPPER(%s)`, so the
indexes are on exactly that expression: trigram GIN indexes for substring search
(3+ characters) and text_pattern_ops b-trees, led by the business, for the prefix
search that 1–2 character terms use. SQLite gets none of these and scans.
"""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_email_trgm ON customers_customer "
    "USING gin (UPPER(email::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_name_prefix ON customers_customer "
    "(business_id, UPPER(name::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_email_prefix ON customers_customer "
    "(business_id, UPPER(email::text) text_pattern_ops)",
]
NAMES = ["customer_name_trgm", "customer_email_trgm", "customer_name_prefix", "customer_email_prefix"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
