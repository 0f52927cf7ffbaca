"""PostgreSQL: ledger entries are append-only.

A row trigger rejects every UPDATE and DELETE on wallets_ledgerentry, whoever runs
it (the app, admin, a psql session), so a balance history cannot be rewritten; a
correction is a new entry. TRUNCATE (test-database flushes) is a different
statement and is not blocked. SQLite has no such trigger; the service never
updates or deletes entries there either.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION wallets_ledgerentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet ledger entries are append-only: % of % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Post a correcting entry instead.';
END;
$$;
DROP TRIGGER IF EXISTS wallets_ledgerentry_append_only ON wallets_ledgerentry;
CREATE TRIGGER wallets_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON wallets_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION wallets_ledgerentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS wallets_ledgerentry_append_only ON wallets_ledgerentry;
DROP FUNCTION IF EXISTS wallets_ledgerentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
