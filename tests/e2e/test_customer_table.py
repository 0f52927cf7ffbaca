import pytest
from playwright.sync_api import expect

from customers.models import Membership
from tests.e2e.conftest import login
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merchant_searches_pages_and_hides_a_column(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory.create_batch(30, business=business)
    CustomerFactory(business=business, name="Ada Lovelace", email="ada@analytical.engine")

    login(page, live_server, owner)
    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator(".result-count")).to_contain_text("31 customers")

    # Search as you type: HTMX swaps the table and pushes the URL.
    page.fill("#id_q", "lovelace")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")
    expect(page).to_have_url(f"{live_server.url}/customers/?q=lovelace")

    page.fill("#id_q", "")
    expect(rows).to_have_count(25)

    # Rows per page.
    page.select_option("select[name=per_page]", "10")
    expect(rows).to_have_count(10)
    assert "per_page=10" in page.url
    expect(page.locator(".pager-range")).to_contain_text("1–10 of 31")

    # The back button returns to the previous view.
    page.go_back()
    expect(rows).to_have_count(25)
    page.go_forward()
    expect(rows).to_have_count(10)

    # Hide the e-mail column; the choice survives a reload.
    headers = page.locator("#customer-table thead th:not(.col-select)")
    expect(headers.filter(has_text="E-mail")).to_have_count(1)
    page.click("#columns-menu summary")
    page.uncheck("#columns-menu input[value=email]")
    page.click("#columns-menu button[type=submit]")
    expect(headers.filter(has_text="E-mail")).to_have_count(0)
    page.reload()
    expect(headers.filter(has_text="E-mail")).to_have_count(0)
    expect(rows).to_have_count(10)
    assert "per_page=10" in page.url

    # A click on a row (not just the name) opens the customer.
    page.fill("#id_q", "ada@analytical")
    expect(rows).to_have_count(1)
    rows.first.locator("td.col-created_at").click()
    expect(page.locator("h1")).to_have_text("Ada Lovelace")
    assert page.console_errors == []


def test_table_works_without_javascript(live_server, browser):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory.create_batch(12, business=business)
    CustomerFactory(business=business, name="Grace Hopper")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, owner)
    page.fill("#id_q", "hopper")
    page.press("#id_q", "Enter")
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)
    assert "q=hopper" in page.url
    page.click("text=Grace Hopper")
    expect(page.locator("h1")).to_have_text("Grace Hopper")
    context.close()


def test_filters_apply_on_change_and_export_menu_closes(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory.create_batch(3, business=business)
    CustomerFactory(business=business, name="No Phone", phone_number="")

    login(page, live_server, owner)
    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(4)
    page.click(".filters-menu summary")
    page.select_option("#id_has_phone", "false")  # no Apply click
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No Phone")
    assert "has_phone=false" in page.url

    page.click("#export-menu summary")
    with page.expect_download():
        page.click("#export-menu a:has-text('CSV')")
    expect(page.locator("#export-menu")).not_to_have_attribute("open", "")
    assert page.console_errors == []


def test_columns_are_reordered_in_place_with_the_keyboard(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    CustomerFactory(business=business, name="Ada Lovelace")

    login(page, live_server, owner)
    headers = page.locator("#customer-table thead th:not(.col-select)")
    page.click("#columns-menu summary")
    items = page.locator("#columns-menu .column-list li")
    second_label = items.nth(1).locator("label").inner_text().strip()
    up = items.nth(1).locator("button[value^='up:']")
    up.focus()
    page.keyboard.press("Enter")  # moves in place: no reload, the menu stays open
    expect(items.first.locator("label")).to_have_text(second_label)
    expect(page.locator("#columns-menu")).to_have_attribute("open", "")
    page.click("#columns-menu button[type=submit]:has-text('Save columns')")
    expect(page.locator("[data-columns-status]")).to_have_text("Columns saved.")
    expect(page.locator("#columns-menu")).to_have_attribute("open", "")
    expect(headers.first).to_contain_text(second_label)
    page.reload()
    expect(headers.first).to_contain_text(second_label)
    assert page.console_errors == []
