"""Statistics on CustomerSpend's currency and net together (PostgreSQL only).

Amounts in rupees run a hundred times higher than in dollars, so the planner's
per-column statistics guess "net ≥ 5,000.00 USD" from a mix of both currencies
and expect tens of thousands of rows where there are none; it then scans the
table instead of the (business, currency, net) index. A multivariate MCV list of
the pair makes the estimate follow each currency's own distribution.
"""

from django.db import migrations

CREATE = [
    "CREATE STATISTICS IF NOT EXISTS spend_currency_net (mcv) "
    "ON currency, net FROM customers_customerspend",
    "ALTER STATISTICS spend_currency_net SET STATISTICS 1000",
    "ANALYZE customers_customerspend",
]
DROP = ["DROP STATISTICS IF EXISTS spend_currency_net"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_sort_indexes")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
