"""The Excel file as Excel reads it: numbers are numbers, dates are dates, people's
headers in the requester's language, widths, a frozen header row and an autofilter;
and what CSV and XLSX must agree on (blank metadata, phone numbers, the preview)."""

import datetime as dt
import html
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.customers.reports.helpers import (
    ALL_COLUMNS,
    CSV,
    REPORT,
    XLSX,
    expected_row,
    read_csv,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADERS = {
    "name": "Customer name",
    "id": "Customer ID",
    "email": "E-mail",
    "phone_number": "Phone number",
    "created_at": "Created at (UTC)",
    "metadata": "Metadata",
    "total_paid_usd": "Total paid (USD)",
    "total_paid_inr": "Total paid (INR)",
    "payments_count": "Payments",
    "last_payment_at": "Last payment (UTC)",
    "wallet_balance_usd": "Wallet balance (USD)",
}


def read_xlsx(response):
    assert response.status_code == 200, response.content[:500]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def as_utc_naive(value):
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value else None


def test_xlsx_numbers_dates_and_headers(owner_client, shop):
    response = owner_client.get(XLSX, {"columns": ",".join(ALL_COLUMNS)})
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    sheet = read_xlsx(response)
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for name, label in HEADERS.items():
        assert header[ALL_COLUMNS.index(name)] == label
    by_id = {row[1]: dict(zip(ALL_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {c.pk for c in shop}
    for customer in shop:
        customer.refresh_from_db()
        expected, got = expected_row(customer), by_id[customer.pk]
        assert got["name"] == customer.name  # text is kept exactly (never evaluated)
        assert got["phone_number"] == (customer.phone_number or None)
        assert got["payments_count"] == int(expected["payments_count"])
        for money in ("total_paid_usd", "total_paid_inr", "wallet_balance_usd"):
            assert isinstance(got[money], int | float)
            assert Decimal(str(got[money])).quantize(Decimal("0.01")) == Decimal(expected[money])
        created = got["created_at"]
        assert isinstance(created, dt.datetime)
        assert abs(created - as_utc_naive(customer.created_at)) < dt.timedelta(milliseconds=1)
    ada = by_id[shop[0].pk]
    assert ada["total_paid_usd"] == pytest.approx(19.99)
    assert isinstance(ada["last_payment_at"], dt.datetime)
    assert by_id[shop[1].pk]["last_payment_at"] is not None
    assert by_id[shop[4].pk]["last_payment_at"] is None  # never paid: blank, not ""


def test_xlsx_cell_formats_panes_filter_and_widths(owner_client, shop):
    sheet = read_xlsx(owner_client.get(XLSX, {"columns": "name,email,created_at,total_paid_usd"}))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{len(shop) + 1}"
    assert sheet["A1"].font.b
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["D2"].number_format == '#,##0.00 "USD"'
    assert sheet["D2"].data_type == "n"
    widths = {col: sheet.column_dimensions[col].width for col in "ABCD"}
    assert all(w and w > 13 for w in widths.values())
    assert widths["B"] >= 30  # e-mail addresses are long


def test_xlsx_headers_follow_the_requesters_language(owner_client, shop):
    owner_client.post(reverse("set_language"), {"language": "ko", "next": REPORT})
    sheet = read_xlsx(owner_client.get(XLSX, {"columns": "name,created_at,total_paid_usd"}))
    assert [c.value for c in sheet[1]] == ["고객 이름", "생성일 (UTC)", "총 결제 금액 (USD)"]


def test_empty_metadata_is_blank_in_both_files(owner_client, shop):
    params = {"columns": "id,metadata"}
    csv_rows = {r["id"]: r["metadata"] for r in read_csv(owner_client.get(CSV, params))}
    sheet = read_xlsx(owner_client.get(XLSX, params))
    xlsx_rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    dee = shop[3]
    assert csv_rows[dee.pk] == xlsx_rows[dee.pk] == '{"plan": "pro"}'
    for customer in shop:
        if customer != dee:
            assert csv_rows[customer.pk] == "" and xlsx_rows[customer.pk] is None


def test_phone_numbers_have_no_apostrophe_in_csv_or_preview(owner_client, business):
    CustomerFactory(business=business, name="Priya", phone_number="+918052594351")
    CustomerFactory(business=business, name="+SUM(A1)", phone_number="")
    rows = read_csv(owner_client.get(CSV, {"columns": "name,phone_number", "sort": "name"}))
    assert {r["name"]: r["phone_number"] for r in rows} == {
        "Priya": "+918052594351",
        "'+SUM(A1)": "",
    }
    page = html.unescape(
        owner_client.get(REPORT, {"columns": "name,phone_number"}).content.decode()
    )
    assert "+918052594351" in page and "'+918052594351" not in page
    assert "'+SUM(A1)" in page  # a real formula start keeps its protection
