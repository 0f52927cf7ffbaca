import csv
import io

import pytest
from playwright.sync_api import expect

from customers.models import Membership, SavedReport
from tests.e2e.conftest import login
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory, PaymentFactory

# A streamed export keeps its read transaction open while the browser downloads; on
# SQLite the live server shares one in-memory connection between its threads, so the
# download and the page's other requests can wait on each other. PostgreSQL has a
# connection per thread, as production does.
pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def real_errors(page) -> list[str]:
    """Console errors, less htmx's notes that typing on superseded a request in flight."""
    superseded = ("htmx:sendAbort", "htmx:afterRequest")
    return [e for e in page.console_errors if not e.startswith(superseded)]


def test_build_preview_save_and_export_a_report(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.VIEWER).user
    CustomerFactory.create_batch(4, business=business)
    ada = CustomerFactory(business=business, name="Ada Lovelace")
    PaymentFactory(customer=ada, total_amount=4200)

    login(page, live_server, owner)
    page.goto(f"{live_server.url}/customers/report/")
    expect(page.locator(".report-count")).to_contain_text("5 customers match")
    expect(page.locator(".chart-svg")).to_be_visible()

    # The preview follows the form without a reload, and the URL keeps the state.
    page.fill("#id_min_paid", "40")
    expect(page.locator(".report-count")).to_contain_text("1 customer matches")
    expect(page.locator(".report-table tbody tr")).to_have_count(1)
    expect(page.locator(".report-table")).to_contain_text("42.00")
    assert "min_paid=40" in page.url
    page.check("input[value=wallet_balance_inr]")
    expect(page.locator(".report-table thead")).to_contain_text("Wallet balance (INR)")

    with page.expect_download() as download:
        page.click("text=Export CSV")
    body = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["name"] for r in rows] == ["Ada Lovelace"]
    assert rows[0]["total_paid_usd"] == "42.00" and rows[0]["wallet_balance_inr"] == "0.00"

    page.fill(".save-form input[name=name]", "Big spenders")
    page.click("text=Save report")
    expect(page.locator("h1")).to_have_text("Big spenders")
    saved = SavedReport.objects.get()
    assert saved.filters == "min_paid=40"  # USD, the default currency, stays out of URLs
    assert page.url.endswith(f"/customers/report/{saved.pk}/")
    expect(page.locator(".report-count")).to_contain_text("1 customer matches")
    assert real_errors(page) == []


def test_table_export_follows_the_search(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory.create_batch(3, business=business)
    CustomerFactory(business=business, name="Grace Hopper")

    login(page, live_server, owner)
    page.fill("#id_q", "hopper")
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)
    page.click("#export-menu summary")
    with page.expect_download() as download:
        page.click("#export-menu >> text=CSV")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Grace Hopper"]
    assert list(rows[0]) == ["name", "id", "email", "phone_number", "created_at"]
    assert page.console_errors == []


def test_a_large_export_opens_its_job_page_then_downloads(live_server, page, settings, tmp_path):
    settings.EXPORT_JOB_THRESHOLD = 3
    settings.MEDIA_ROOT = tmp_path / "media"
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory.create_batch(5, business=business)

    login(page, live_server, owner)
    page.click("#export-menu summary")
    page.click("#export-menu >> text=Excel")
    expect(page.locator("h1")).to_have_text("Customer export")
    # Tasks run eagerly here: the job is done by the time its page shows.
    expect(page.locator("#export-progress")).to_contain_text("5 of 5 rows written (100%)")
    page.screenshot(path=str(tmp_path / "export-job.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{live_server.url}/customers/exports/")
    expect(page.locator("#export-jobs-table tbody tr")).to_have_count(1)
    assert real_errors(page) == []
