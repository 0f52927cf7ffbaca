"""Which customers and which columns a report holds (customers.reports.query and
.columns): every column against values computed independently in Python, the filters,
the sort, the default columns, bad names, and no other business's rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, TablePreference
from tests.customers.reports.helpers import (
    ALL_COLUMNS,
    CSV,
    NOW,
    REPORT,
    XLSX,
    expected_row,
    iso,
    logged_in,
    read_csv,
)

pytestmark = pytest.mark.django_db


def test_every_column_matches_an_independent_computation(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    newest_first = sorted(shop, key=lambda c: (c.created_at, c.pk), reverse=True)
    assert [row["id"] for row in rows] == [c.pk for c in newest_first]
    for row, customer in zip(rows, newest_first, strict=True):
        customer.refresh_from_db()
        expected = expected_row(customer)
        assert row == expected


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"has_active_subscription": "true"}, lambda r: r["active_subscriptions"] != "0"),
        ({"has_active_subscription": "false"}, lambda r: r["active_subscriptions"] == "0"),
        ({"min_paid": "12.50"}, lambda r: Decimal(r["total_paid_usd"]) >= Decimal("12.50")),
        (
            {"min_paid": "10", "min_paid_currency": "USD"},
            lambda r: Decimal(r["total_paid_usd"]) >= 10,
        ),
        (
            {"min_paid": "700", "min_paid_currency": "INR"},
            lambda r: Decimal(r["total_paid_inr"]) >= 700,
        ),
        (
            {"has_wallet_balance": "true"},
            lambda r: r["wallet_balance_usd"] != "0.00" or r["wallet_balance_inr"] != "0.00",
        ),
        ({"has_phone": "false"}, lambda r: r["phone_number"] == ""),
        ({"q": "ev"}, lambda r: r["name"] == "Eve"),
        (
            {"created_after": (NOW - dt.timedelta(days=12)).date().isoformat()},
            lambda r: r["created_at"] >= iso(NOW - dt.timedelta(days=12))[:10],
        ),
        (
            {"created_before": (NOW - dt.timedelta(days=15)).date().isoformat()},
            lambda r: r["created_at"][:10] <= (NOW - dt.timedelta(days=15)).date().isoformat(),
        ),
    ],
)
def test_filters_pick_the_rows_an_independent_check_picks(owner_client, shop, params, predicate):
    everyone = read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    expected = [row["id"] for row in everyone if predicate(row)]
    got = read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS), **params}))
    assert [row["id"] for row in got] == expected
    assert 0 < len(expected) < len(shop)


def test_sort_follows_the_table(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": "name", "sort": "name"}))
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
    rows = read_csv(owner_client.get(CSV, {"columns": "name", "sort": "-name"}))
    assert [r["name"] for r in rows] == sorted((r["name"] for r in rows), reverse=True)


def test_a_currency_alone_is_not_a_filter(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": "id", "min_paid_currency": "INR"}))
    assert len(rows) == len(shop)


def test_other_businesses_never_appear(client, other_business, shop):
    ours = {c.pk for c in shop}
    rows = read_csv(logged_in(client, other_business).get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    assert len(rows) == 1 and rows[0]["id"] not in ours
    assert rows[0]["total_paid_usd"] == "7777.77"


def test_our_export_has_none_of_the_rivals_rows(owner_client, shop, other_business):
    rival_ids = set(Customer.objects.for_business(other_business).values_list("pk", flat=True))
    rows = read_csv(owner_client.get(CSV, {"columns": "id,total_paid_usd"}))
    assert {r["id"] for r in rows} == {c.pk for c in shop}
    assert not rival_ids & {r["id"] for r in rows}
    assert "7777.77" not in {r["total_paid_usd"] for r in rows}


def test_default_columns_are_the_users_table_columns_without_invite(owner_client, owner, shop):
    rows = read_csv(owner_client.get(CSV))
    assert list(rows[0]) == ["name", "id", "email", "phone_number", "created_at"]
    TablePreference.objects.create(
        user=owner, business=shop[0].business, table="CustomerTable", columns=["email", "invite"]
    )
    assert list(read_csv(owner_client.get(CSV))[0]) == ["email"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"columns": "name,salary"}, "Unknown column “salary”"),
        ({"colour": "red"}, "Unknown filter “colour”"),
        ({"sort": "salary"}, "Unknown sort “salary”"),
    ],
)
@pytest.mark.parametrize("url", [CSV, XLSX, REPORT])
def test_bad_names_are_a_clear_400(owner_client, customer, url, params, message):
    response = owner_client.get(url, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_computed_columns_are_one_query(owner_client, shop):
    with CaptureQueriesContext(connection) as ctx:
        read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    selects = [q["sql"] for q in ctx.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    # The rows in one query. Unfiltered, how many there are (against the export-job
    # threshold) is the kept daily sign-ups' sum, not a count of customers.
    (rows,) = selects
    assert not rows.startswith("SELECT COUNT(*)")
    assert any('FROM "customers_signupday"' in q["sql"] for q in ctx.captured_queries)


def test_a_filtered_export_counts_its_customers_up_to_the_job_threshold(owner_client, shop):
    with CaptureQueriesContext(connection) as ctx:
        read_csv(owner_client.get(CSV, {"columns": "id", "has_phone": "true"}))
    selects = [q["sql"] for q in ctx.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    count, rows = selects
    assert count.startswith("SELECT COUNT(*)") and "LIMIT 20001" in count
    assert not rows.startswith("SELECT COUNT(*)")
