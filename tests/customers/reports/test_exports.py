"""The CSV and XLSX files (customers.reports.exports): money and text cells, formula
injection, streaming chunk by chunk, the export event and the table's Export button."""

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from customers.models import Customer, Event
from customers.reports import exports
from customers.reports.query import parse_report_request, report_rows
from tests.customers.reports.helpers import CSV, XLSX, read_csv
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_money_is_decimal_text_in_major_units_with_the_currency_in_the_name(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": "name,total_paid_usd,total_paid_inr"}))
    ada = next(r for r in rows if r["name"] == "Ada")
    bob = next(r for r in rows if r["name"] == "Bob")
    # Ada: 12.50 + 9.99 succeeded, 2.50 refunded (the pending 1.00 and failed 50.00 do not count).
    assert ada == {"name": "Ada", "total_paid_usd": "19.99", "total_paid_inr": "0.00"}
    assert bob["total_paid_inr"] == "2000.00"


# Safety: formula injection -------------------------------------------------------

NASTY = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rReturn", "+1-1", "-1e3", "plain"]
HARMLESS = ["plain", "+918052594351", "+14155550134", "-12", "-12.50", "+3", "12-3", "a=b"]


@pytest.mark.parametrize("value", NASTY)
def test_escape_formula(value):
    escaped = exports.escape_formula(value)
    assert escaped == (value if value == "plain" else "'" + value)


@pytest.mark.parametrize("value", HARMLESS)
def test_phone_numbers_and_plain_numbers_are_not_formulas(value):
    assert exports.escape_formula(value) == value


def test_csv_cells_cannot_start_a_formula(owner_client, business):
    for i, name in enumerate(NASTY):
        CustomerFactory(business=business, name=name, email=f"n{i}@example.com")
    rows = read_csv(owner_client.get(CSV, {"columns": "name,phone_number", "sort": "name"}))
    for row in rows:
        assert row["name"][:1] not in "=+-@\t\r" or row["name"] == ""
        assert row["phone_number"] == "+14155550134"  # E.164: a number, not a formula
    assert {r["name"] for r in rows} == {exports.escape_formula(n) for n in NASTY}


# Streaming -------------------------------------------------------------------


def test_csv_streams_chunk_by_chunk(owner_client, business, settings):
    settings.REPORT_EXPORT_CHUNK_SIZE = 50
    CustomerFactory.create_batch(220, business=business)
    response = owner_client.get(CSV, {"columns": "id,total_paid_usd"})
    assert response.streaming
    chunks = iter(response.streaming_content)
    header, first = next(chunks), next(chunks)
    assert header.decode("utf-8-sig").startswith("id,total_paid_usd")
    # One chunk holds only the first 50 rows; the rest is still to be fetched.
    assert first.count(b"\r\n") == 50
    rest = list(chunks)
    assert [chunk.count(b"\r\n") for chunk in rest] == [50, 50, 50, 20]


@pytest.mark.postgres
def test_csv_reads_through_a_server_side_cursor(owner_client, business, settings):
    settings.REPORT_EXPORT_CHUNK_SIZE = 20
    CustomerFactory.create_batch(100, business=business)
    response = owner_client.get(CSV, {"columns": "id,payments_count"})
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        assert cursor.fetchone()[0] == 1  # still open: the query has not finished
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 80
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        assert cursor.fetchone()[0] == 0


# The table's Export button, events ---------------------------------------------


def test_export_button_carries_the_tables_search_sort_and_columns(owner_client, shop):
    page = owner_client.get(reverse("customers:list"), {"q": "ada", "sort": "name", "page": "1"})
    html = page.content.decode()
    assert f'{CSV}?q=ada&amp;sort=name&amp;columns=name,id,email,phone_number,created_at"' in html
    fragment = owner_client.get(
        reverse("customers:list"), {"q": "bob"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="export-menu" hx-swap-oob="true"' in fragment
    assert f"{XLSX}?q=bob&amp;columns=" in fragment


def test_export_records_who_exported_what(owner_client, owner, shop):
    read_csv(owner_client.get(CSV, {"columns": "name,total_paid_usd", "has_phone": "true"}))
    event = Event.objects.get(type="customers.exported")
    assert event.actor_kind == "user" and event.actor_label == owner.username
    assert event.business == shop[0].business
    assert event.payload == {
        "format": "csv",
        "columns": ["name", "total_paid_usd"],
        "filters": {"has_phone": "true"},
        "sort": "",
    }


# Timestamps written by the database -----------------------------------------------


def test_csv_timestamps_written_by_the_database_read_as_python_writes_them(owner_client, business):
    """The CSV's created_at/updated_at come as text from the database; they must read
    exactly as the Python converter writes the same values (UTC, to the second, "Z")."""
    moments = [
        dt.datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=dt.UTC),  # fraction: cut, not rounded
        dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC),
        # Another offset: the next day in UTC.
        dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ]
    for i, moment in enumerate(moments):
        customer = CustomerFactory(business=business, email=f"t{i}@example.com")
        Customer.objects.filter(pk=customer.pk).update(created_at=moment, updated_at=moment)
    rows = read_csv(owner_client.get(CSV, {"columns": "email,created_at,updated_at"}))
    got = {r["email"]: (r["created_at"], r["updated_at"]) for r in rows}
    assert got["t0@example.com"] == ("2026-03-04T05:06:07Z",) * 2
    assert got["t1@example.com"] == ("2024-02-29T23:59:59Z",) * 2
    assert got["t2@example.com"] == ("2027-01-01T04:00:00Z",) * 2
    # The same rows through the Python converter read the same.
    report = parse_report_request(
        QueryDict("columns=email,created_at,updated_at"), business=business, default_columns=[]
    )
    as_text = "".join(exports.csv_chunks(report_rows(report, times_as_text=True)))
    as_datetimes = "".join(exports.csv_chunks(report_rows(report)))
    assert as_text == as_datetimes
