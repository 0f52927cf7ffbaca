"""Build Report, saved reports and the CSV / XLSX exports.

Expected values are computed here in plain Python from the rows the test made,
independently of the SQL in customers.reports.columns.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Event, Membership, Refund, SavedReport, TablePreference
from customers.reports import exports
from portal.models import PortalLogin
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    PaymentFactory,
    SubscriptionFactory,
)
from tests.wallets.helpers import credit, debit

pytestmark = pytest.mark.django_db
REPORT = reverse("customers:report")
CSV = reverse("customers:export_csv")
XLSX = reverse("customers:export_xlsx")
NOW = timezone.now().replace(microsecond=0)
ALL_COLUMNS = [
    "name",
    "id",
    "email",
    "phone_number",
    "created_at",
    "updated_at",
    "preferred_locale",
    "metadata",
    "total_paid_usd",
    "total_paid_inr",
    "payments_count",
    "last_payment_at",
    "refunds_total_usd",
    "refunds_total_inr",
    "active_subscriptions",
    "wallet_balance_usd",
    "wallet_balance_inr",
    "portal_last_visit_at",
]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def refund(payment, amount, status="succeeded"):
    return Refund.objects.create(
        business=payment.business,
        payment=payment,
        customer=payment.customer,
        amount=amount,
        currency=payment.currency,
        status=status,
    )


def portal_visit(customer, when):
    return PortalLogin.objects.create(
        business=customer.business,
        customer=customer,
        token_hash=f"{customer.pk}-{when.timestamp()}",
        last_seen_at=when,
    )


@pytest.fixture
def shop(business, other_business):
    """Five customers with a bit of everything, and a rival business's look-alikes."""
    days = dt.timedelta(days=1)
    ada = CustomerFactory(business=business, name="Ada", created_at=NOW - 40 * days)
    bob = CustomerFactory(
        business=business, name="Bob", phone_number="", created_at=NOW - 20 * days
    )
    cy = CustomerFactory(business=business, name="=cmd|' /C calc'!A0", created_at=NOW - 10 * days)
    dee = CustomerFactory(
        business=business, name="Dee", metadata={"plan": "pro"}, created_at=NOW - 5 * days
    )
    eve = CustomerFactory(business=business, name="Eve", created_at=NOW - 1 * days)

    p1 = PaymentFactory(customer=ada, total_amount=1250, created_at=NOW - 30 * days)
    PaymentFactory(customer=ada, total_amount=999, created_at=NOW - 3 * days)
    PaymentFactory(customer=ada, total_amount=5000, status="failed", created_at=NOW - 2 * days)
    refund(p1, 250)
    refund(p1, 100, status="pending")
    p2 = PaymentFactory(
        customer=bob, total_amount=250000, currency="INR", created_at=NOW - 9 * days
    )
    refund(p2, 50000)
    PaymentFactory(customer=cy, total_amount=1000, created_at=NOW - 8 * days)
    PaymentFactory(customer=cy, total_amount=70000, currency="INR", created_at=NOW - 7 * days)
    SubscriptionFactory(customer=ada)
    SubscriptionFactory(customer=ada, status="cancelled")
    SubscriptionFactory(customer=dee)
    SubscriptionFactory(customer=eve, status="on_hold")
    credit(dee, 700)
    credit(eve, 900, "INR")
    debit(eve, 900, "INR")
    portal_visit(ada, NOW - 2 * days)
    portal_visit(ada, NOW - 1 * days)

    # The rival's customers share names and have money: none of it may leak.
    rival = CustomerFactory(business=other_business, name="Ada", created_at=NOW - 3 * days)
    PaymentFactory(customer=rival, total_amount=777777)
    SubscriptionFactory(customer=rival)
    credit(rival, 5)
    return [ada, bob, cy, dee, eve]


def iso(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def major(minor: int) -> str:
    return str((Decimal(minor) / 100).quantize(Decimal("0.01")))


def expected_row(customer: Customer) -> dict:
    """The row, computed in Python from the ORM objects themselves."""
    payments = list(customer.payments.all())
    refunds = list(customer.refunds.all())
    ok = [p for p in payments if p.status == "succeeded"]
    ok_refunds = [r for r in refunds if r.status == "succeeded"]
    wallets = {w.currency: w.balance for w in customer.wallets.all()}
    visits = [login.last_seen_at for login in customer.portal_logins.all()]

    def paid(currency):
        gross = sum(p.total_amount for p in ok if p.currency == currency)
        return gross - sum(r.amount for r in ok_refunds if r.currency == currency)

    def text(value):
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    return {
        "name": text(customer.name),
        "id": customer.pk,
        "email": customer.email,
        "phone_number": text(customer.phone_number),
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "preferred_locale": customer.preferred_locale,
        "metadata": ('{"plan": "pro"}' if customer.metadata else ""),
        "total_paid_usd": major(paid("USD")),
        "total_paid_inr": major(paid("INR")),
        "payments_count": str(len(ok)),
        "last_payment_at": iso(max((p.created_at for p in ok), default=None)),
        "refunds_total_usd": major(sum(r.amount for r in ok_refunds if r.currency == "USD")),
        "refunds_total_inr": major(sum(r.amount for r in ok_refunds if r.currency == "INR")),
        "active_subscriptions": str(
            sum(1 for s in customer.subscriptions.all() if s.status == "active")
        ),
        "wallet_balance_usd": major(wallets.get("USD", 0)),
        "wallet_balance_inr": major(wallets.get("INR", 0)),
        "portal_last_visit_at": iso(max(visits, default=None)),
    }


# Columns and values ---------------------------------------------------------


def test_every_column_matches_an_independent_computation(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    newest_first = sorted(shop, key=lambda c: (c.created_at, c.pk), reverse=True)
    assert [row["id"] for row in rows] == [c.pk for c in newest_first]
    for row, customer in zip(rows, newest_first, strict=True):
        customer.refresh_from_db()
        expected = expected_row(customer)
        assert row == expected


def test_money_is_decimal_text_in_major_units_with_the_currency_in_the_name(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": "name,total_paid_usd,total_paid_inr"}))
    ada = next(r for r in rows if r["name"] == "Ada")
    bob = next(r for r in rows if r["name"] == "Bob")
    # Ada: 12.50 + 9.99 succeeded, 2.50 refunded (the pending 1.00 and failed 50.00 do not count).
    assert ada == {"name": "Ada", "total_paid_usd": "19.99", "total_paid_inr": "0.00"}
    assert bob["total_paid_inr"] == "2000.00"


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


def test_other_businesses_never_appear(client, other_business, shop):
    ours = {c.pk for c in shop}
    rows = read_csv(_logged_in(client, other_business).get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    assert len(rows) == 1 and rows[0]["id"] not in ours
    assert rows[0]["total_paid_usd"] == "7777.77"


def _logged_in(client, business, role=Membership.Role.OWNER):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def test_our_export_has_none_of_the_rivals_rows(owner_client, shop, other_business):
    rival_ids = set(Customer.objects.for_business(other_business).values_list("pk", flat=True))
    rows = read_csv(owner_client.get(CSV, {"columns": "id,total_paid_usd"}))
    assert {r["id"] for r in rows} == {c.pk for c in shop}
    assert not rival_ids & {r["id"] for r in rows}
    assert "7777.77" not in {r["total_paid_usd"] for r in rows}


# Defaults, the table's Export button, events ----------------------------------


def test_default_columns_are_the_users_table_columns_without_invite(owner_client, owner, shop):
    rows = read_csv(owner_client.get(CSV))
    assert list(rows[0]) == ["name", "id", "email", "phone_number", "created_at"]
    TablePreference.objects.create(
        user=owner, business=shop[0].business, table="CustomerTable", columns=["email", "invite"]
    )
    assert list(read_csv(owner_client.get(CSV))[0]) == ["email"]


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


def test_viewers_can_build_and_export(viewer_client, shop):
    assert viewer_client.get(REPORT).status_code == 200
    assert len(read_csv(viewer_client.get(CSV, {"columns": "id"}))) == len(shop)


# Safety: formula injection, bad names, bad values ------------------------------

NASTY = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rReturn", "plain"]


@pytest.mark.parametrize("value", NASTY)
def test_escape_formula(value):
    escaped = exports.escape_formula(value)
    assert escaped == (value if value == "plain" else "'" + value)


def test_csv_cells_cannot_start_a_formula(owner_client, business):
    for i, name in enumerate(NASTY):
        CustomerFactory(business=business, name=name, email=f"n{i}@example.com")
    rows = read_csv(owner_client.get(CSV, {"columns": "name,phone_number", "sort": "name"}))
    for row in rows:
        assert row["name"][:1] not in "=+-@\t\r" or row["name"] == ""
        assert row["phone_number"] == "'+14155550134"  # E.164 starts with "+"
    assert {r["name"] for r in rows} == {exports.escape_formula(n) for n in NASTY}


def test_xlsx_opens_and_has_the_right_cells(owner_client, shop):
    response = owner_client.get(XLSX, {"columns": ",".join(ALL_COLUMNS)})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ALL_COLUMNS
    by_id = {row[1]: dict(zip(ALL_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {c.pk for c in shop}
    for customer in shop:
        customer.refresh_from_db()
        expected = expected_row(customer)
        got = by_id[customer.pk]
        # XLSX keeps the text exactly (write_string: never evaluated), so no quote.
        assert got["name"] == customer.name
        assert got["payments_count"] == int(expected["payments_count"])
        for name in ("total_paid_usd", "total_paid_inr", "wallet_balance_usd", "last_payment_at"):
            assert (got[name] or "") == expected[name]
    cy = next(c for c in shop if c.name.startswith("="))
    assert sheet.cell(row=[r[1] for r in rows].index(cy.pk) + 1, column=1).data_type == "s"


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


def test_bad_filter_values_are_form_errors_on_the_report_page(owner_client, customer):
    response = owner_client.get(REPORT, {"min_paid": "12.345", "created_after": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "USD amounts have at most 2 decimal places." in html
    assert "Enter a valid date." in html
    assert "Fix the filters above to export" in html
    assert owner_client.get(CSV, {"min_paid": "abc"}).status_code == 400
    assert not Event.objects.filter(type="customers.exported").exists()


def test_a_currency_alone_is_not_a_filter(owner_client, shop):
    rows = read_csv(owner_client.get(CSV, {"columns": "id", "min_paid_currency": "INR"}))
    assert len(rows) == len(shop)


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


def test_computed_columns_are_one_query(owner_client, shop):
    with CaptureQueriesContext(connection) as ctx:
        read_csv(owner_client.get(CSV, {"columns": ",".join(ALL_COLUMNS)}))
    selects = [q["sql"] for q in ctx.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    assert len(selects) == 1


# The Build Report page --------------------------------------------------------


def test_report_page_and_htmx_preview(owner_client, shop):
    page = owner_client.get(REPORT, {"columns": "name,total_paid_usd"})
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and 'id="report-form"' in html
    assert "5 customers match" in html and "19.99" in html
    assert "HX-Request" in page["Vary"]
    fragment = owner_client.get(
        REPORT,
        {"columns": "name", "has_active_subscription": "true"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="report-preview"')
    assert "2 customers match" in fragment
    assert f"{CSV}?has_active_subscription=true&amp;columns=name" in fragment


def test_preview_count_is_capped(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    CustomerFactory.create_batch(5, business=business)
    assert "3+ customers match" in owner_client.get(REPORT).content.decode()


def test_preview_query_count_does_not_grow(owner_client, business, django_assert_max_num_queries):
    params = {"columns": ",".join(ALL_COLUMNS), "min_paid": "1"}
    for customer in CustomerFactory.create_batch(2, business=business):
        PaymentFactory(customer=customer)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(REPORT, params, headers={"HX-Request": "true"})
    for customer in CustomerFactory.create_batch(30, business=business):
        PaymentFactory(customer=customer)
        SubscriptionFactory(customer=customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(REPORT, params, headers={"HX-Request": "true"})


def test_signup_chart_groups_by_a_grain_that_suits_the_range(owner_client, business):
    for days_ago in (0, 0, 1, 3):
        CustomerFactory(business=business, created_at=NOW - dt.timedelta(days=days_ago))
    chart = owner_client.get(REPORT).context["chart"]
    assert chart.grain == "day" and chart.total == 4
    assert [b.count for b in chart.bars] == [1, 0, 1, 2]
    CustomerFactory(business=business, created_at=NOW - dt.timedelta(days=400))
    chart = owner_client.get(REPORT).context["chart"]
    assert chart.grain == "month" and chart.total == 5 and sum(b.count for b in chart.bars) == 5
    html = owner_client.get(REPORT).content.decode()
    assert 'role="img" aria-labelledby="signup-chart-title signup-chart-desc"' in html
    assert "5 customers signed up from" in html


def test_unfiltered_signup_chart_reads_the_kept_days_not_the_customers(owner_client, business):
    CustomerFactory.create_batch(3, business=business)
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(REPORT, {"columns": "name,id"})  # no computed (grouped) subqueries
    assert not any("GROUP BY" in q["sql"] for q in ctx.captured_queries)
    assert sum("customers_signupday" in q["sql"] for q in ctx.captured_queries) == 1


def test_filtered_signup_chart_under_the_cap_is_one_query(owner_client, business):
    CustomerFactory.create_batch(3, business=business)
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(REPORT, {"columns": "name,id", "has_phone": "true"})
    charts = [
        q for q in ctx.captured_queries if 'SELECT "customers_customer"."created_at"' in q["sql"]
    ]
    assert len(charts) == 1


def test_korean_report_page(owner_client, shop):
    owner_client.post(reverse("set_language"), {"language": "ko", "next": REPORT})
    html = owner_client.get(REPORT).content.decode()
    assert 'lang="ko"' in html and "고객" in html


# Saved reports -----------------------------------------------------------------


def _save(client, name="Big spenders", query="min_paid=10&columns=name,total_paid_usd"):
    return client.post(reverse("customers:report_save"), {"name": name, "query": query})


def test_save_reopen_edit_and_delete(owner_client, owner, shop):
    response = _save(owner_client)
    saved = SavedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:report_detail", args=[saved.pk])
    assert saved.columns == ["name", "total_paid_usd"]
    assert saved.filters == "min_paid=10"
    assert saved.created_by == owner and saved.business == shop[0].business

    page = owner_client.get(response["Location"]).content.decode()
    assert "Big spenders" in page and "2 customers match" in page  # Ada 19.99, Cy 10.00

    owner_client.post(
        reverse("customers:report_update", args=[saved.pk]),
        {"name": "Everyone", "query": "columns=email&sort=-name"},
    )
    saved.refresh_from_db()
    assert (saved.name, saved.columns, saved.filters) == ("Everyone", ["email"], "sort=-name")

    owner_client.post(reverse("customers:report_delete", args=[saved.pk]))
    assert not SavedReport.objects.exists()


def test_saving_checks_the_name_and_the_query(owner_client, shop):
    assert _save(owner_client, name="").status_code == 200
    response = _save(owner_client, query="columns=salary")  # a tampered form
    assert response.status_code == 400
    assert "Unknown column “salary”" in response.content.decode()
    assert not SavedReport.objects.exists()


def test_viewers_save_their_own_but_cannot_change_others(client, business, owner_client, shop):
    _save(owner_client)
    owners = SavedReport.objects.get()
    viewer = _logged_in(client, business, Membership.Role.VIEWER)
    assert viewer.get(reverse("customers:report_detail", args=[owners.pk])).status_code == 200
    update = reverse("customers:report_update", args=[owners.pk])
    assert viewer.post(update, {"name": "Mine now", "query": ""}).status_code == 403
    delete = reverse("customers:report_delete", args=[owners.pk])
    assert viewer.post(delete).status_code == 403

    _save(viewer, name="Viewer's own")
    own = SavedReport.objects.get(name="Viewer's own")
    viewer.post(reverse("customers:report_update", args=[own.pk]), {"name": "Renamed", "query": ""})
    own.refresh_from_db()
    assert own.name == "Renamed"
    # Owners and admins may tidy up anyone's report.
    owner_client.force_login(owners.created_by)
    owner_client.post(reverse("customers:report_delete", args=[own.pk]))
    assert not SavedReport.objects.filter(pk=own.pk).exists()


def test_another_business_report_is_404(client, other_business, owner_client, shop):
    _save(owner_client)
    saved = SavedReport.objects.get()
    rival = _logged_in(client, other_business)
    for name in ("customers:report_detail", "customers:report_update", "customers:report_delete"):
        url = reverse(name, args=[saved.pk])
        response = (
            rival.post(url, {"name": "x"}) if name != "customers:report_detail" else rival.get(url)
        )
        assert response.status_code == 404
    assert SavedReport.objects.filter(pk=saved.pk).exists()


def test_saved_report_url_params_override_while_editing(owner_client, shop):
    _save(owner_client)
    saved = SavedReport.objects.get()
    url = reverse("customers:report_detail", args=[saved.pk])
    html = owner_client.get(url, {"columns": "name"}).content.decode()
    assert "5 customers match" in html  # the saved min_paid is not applied
