"""Search indexes for what the customer table shows (issue 15, item 10). PostgreSQL
only, like 0002 and 0009.

- Two-character CJK infix ("유진" in 강유진). pg_trgm cannot serve a term shorter
  than three characters, and a Korean given name is often two syllables. An
  IMMUTABLE function lists a name's distinct lower-cased character pairs, and a GIN
  index on it answers `customers_bigrams(name) @> ARRAY['유진']` with the rows holding
  that pair: index entries per name ≈ its length, a lookup reads one posting list.
- The visible end of an ID (`…7GVwKD`). IDs start with their creation time, so
  their ends tell them apart; a b-tree on (business_id, reverse(id)) serves
  `reverse(id) LIKE 'DKwVG7%'`.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION customers_bigrams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT coalesce(array_agg(DISTINCT substr(lower(value), i, 2)), '{}')
        FROM generate_series(1, char_length(value) - 1) AS i
    $$
    """,
    "CREATE INDEX IF NOT EXISTS customer_name_bigrams ON customers_customer "
    "USING gin (customers_bigrams(name::text))",
    "CREATE INDEX IF NOT EXISTS customer_id_reverse ON customers_customer "
    "(business_id, reverse(id::text) text_pattern_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS customer_id_reverse",
    "DROP INDEX IF EXISTS customer_name_bigrams",
    "DROP FUNCTION IF EXISTS customers_bigrams(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0015_invoice_documents")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
