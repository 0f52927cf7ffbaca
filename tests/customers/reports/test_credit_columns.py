"""Credits in Build Report and the exports: a balance and an overage column per live
credit entitlement of the business, as decimal text in CSV and as numbers with a
number format in XLSX (headers in the reader's language), the credit filters honoured,
another business's entitlements unknown, and the query count constant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.customers.reports.helpers import CSV, REPORT, XLSX, read_csv
from tests.customers.reports.test_xlsx import read_xlsx
from tests.factories import CustomerFactory
from tests.wallets.credits.helpers import grant

pytestmark = pytest.mark.django_db


def credit_columns(shop) -> list[str]:
    return [
        "name",
        f"credit_balance_{shop.calls.pk}",
        f"credit_overage_{shop.calls.pk}",
        f"credit_balance_{shop.minutes.pk}",
    ]


def test_csv_has_each_credit_as_decimal_text(owner_client, credit_shop):
    columns = credit_columns(credit_shop)
    rows = read_csv(owner_client.get(CSV, {"columns": ",".join(columns)}))
    assert {tuple(row.values()) for row in rows} == {
        ("Ada", "1250", "0", "30.5"),
        ("Bob", "0", "0", ""),  # spent out: 0; never had minutes: blank
        ("Cy", "0", "20", ""),
        ("Dee", "", "", ""),  # only credits of a deleted entitlement
    }
    assert list(rows[0]) == columns  # machine names in the header


def test_xlsx_has_numbers_with_a_format_and_translated_headers(owner_client, credit_shop):
    columns = credit_columns(credit_shop)
    sheet = read_xlsx(owner_client.get(XLSX, {"columns": ",".join(columns)}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Customer name",
        "Credits (API calls)",
        "Credit overage (API calls)",
        "Credits (Render minutes)",
    )
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name == {
        "Ada": (1250, 0, 30.5),
        "Bob": (0, 0, None),
        "Cy": (0, 20, None),
        "Dee": (None, None, None),
    }
    ada = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Ada")
    assert [cell.number_format for cell in ada[1:]] == ["#,##0", "#,##0", "#,##0.0"]
    assert all(cell.data_type == "n" for cell in ada[1:])


def test_xlsx_credit_headers_in_korean(owner_client, credit_shop):
    owner_client.cookies["django_language"] = "ko"
    sheet = read_xlsx(owner_client.get(XLSX, {"columns": ",".join(credit_columns(credit_shop))}))
    header = next(sheet.iter_rows(values_only=True))
    assert header[1:] == (
        "크레딧 (API calls)",
        "크레딧 초과 사용 (API calls)",
        "크레딧 (Render minutes)",
    )


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_exports_honour_the_credit_filters(owner_client, credit_shop, url):
    shop = credit_shop
    params = {"columns": "name", "credits": shop.calls.pk, "credits_below": "100"}
    response = owner_client.get(url, params)
    if url == CSV:
        assert sorted(r["name"] for r in read_csv(response)) == ["Bob", "Cy"]
    else:
        rows = list(read_xlsx(response).iter_rows(values_only=True))[1:]
        assert sorted(r[0] for r in rows) == ["Bob", "Cy"]
    only_overage = read_csv(owner_client.get(CSV, {"columns": "name", "credits_overage": "true"}))
    assert [r["name"] for r in only_overage] == ["Cy"]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_bad_credit_filter_in_an_export_is_a_clear_400(owner_client, credit_shop, url):
    response = owner_client.get(url, {"credits": credit_shop.calls.pk, "credits_below": "-1"})
    assert response.status_code == 400
    assert "Credit balance below: The amount must be greater than zero." in (
        response.content.decode()
    )


@pytest.mark.parametrize("url", [CSV, XLSX, REPORT])
def test_another_business_credit_columns_are_unknown(owner_client, credit_shop, url):
    theirs = f"credit_balance_{credit_shop.rival_calls.pk}"
    response = owner_client.get(url, {"columns": f"name,{theirs}"})
    assert response.status_code == 400
    assert f"Unknown column “{theirs}”" in response.content.decode()
    gone = f"credit_balance_{credit_shop.gone.pk}"  # a deleted entitlement's: gone too
    assert owner_client.get(url, {"columns": f"name,{gone}"}).status_code == 400


def test_builder_lists_credit_columns_and_previews_them(owner_client, credit_shop):
    shop = credit_shop
    response = owner_client.get(REPORT, {"columns": ",".join(credit_columns(shop))})
    groups = dict(response.context["column_groups"])
    assert [c.name for c, _checked in groups["Credits"]] == [
        f"credit_balance_{shop.calls.pk}",
        f"credit_overage_{shop.calls.pk}",
        f"credit_balance_{shop.minutes.pk}",
        f"credit_overage_{shop.minutes.pk}",
    ]
    preview = {
        row[0][0]: [cell for cell, _numeric in row[1:]] for row in response.context["preview_rows"]
    }
    assert preview["Ada"] == ["1250", "0", "30.5"]
    assert preview["Cy"] == ["0", "20", ""]
    assert shop.rival_calls.pk not in response.content.decode()


def test_saved_report_keeps_credit_columns_and_filters(owner_client, credit_shop):
    shop = credit_shop
    query = f"columns={','.join(credit_columns(shop))}&credits={shop.calls.pk}&credits_below=5"
    response = owner_client.post(REPORT + "save/", {"name": "Running low", "query": query})
    assert response.status_code == 302
    opened = owner_client.get(response["Location"])
    assert sorted(row[0][0] for row in opened.context["preview_rows"]) == ["Bob", "Cy"]


def test_credit_columns_keep_the_export_one_query(owner_client, credit_shop):
    shop = credit_shop
    params = {"columns": ",".join(credit_columns(shop)), "credits": shop.calls.pk}
    with CaptureQueriesContext(connection) as small:
        read_csv(owner_client.get(CSV, params))
    for customer in CustomerFactory.create_batch(30, business=shop.calls.business):
        grant(shop.calls, customer, 3)
        grant(shop.minutes, customer, 1.5)
    with CaptureQueriesContext(connection) as large:
        assert len(read_csv(owner_client.get(CSV, params))) == 31
    assert len(large.captured_queries) == len(small.captured_queries)
    selects = [q["sql"] for q in large.captured_queries if "wallets_creditbalance" in q["sql"]]
    assert len(selects) == 2  # the capped count (the filter) and the rows (filter + figures)
