"""A merchant invites a customer; the customer serves themselves on a phone."""

import pytest
from playwright.sync_api import expect

from customers.models import Membership
from tests.e2e.conftest import login
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory
from tests.portal.conftest import (
    make_instance,
    make_license,
    make_payment,
    make_product,
    make_subscription,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_invite_then_self_service_on_a_phone(live_server, browser, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    customer = CustomerFactory(business=business, name="Priya Sharma", email="priya@example.com")
    product = make_product(business)
    make_payment(customer, product)
    make_subscription(customer, product)
    key = make_license(customer, product)
    make_instance(key, "Old laptop")

    # The merchant creates an invite from the customer table.
    login(page, live_server, owner)
    page.locator("#customer-table tr", has_text="Priya Sharma").locator(".invite-btn").click()
    expect(page.locator("#modal")).to_be_visible()
    page.check("#modal input[name=send_email]")
    page.click("#modal button:has-text('Create link')")
    link_input = page.locator("#invite-link")
    expect(link_input).to_be_visible()
    link = link_input.input_value()
    path = link.split("://", 1)[1].split("/", 1)[1]

    # The customer opens it on a phone.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    mobile = phone.new_page()
    errors = []
    mobile.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    mobile.goto(f"{live_server.url}/{path}")
    expect(mobile).to_have_url(f"{live_server.url}/portal/")
    expect(mobile.locator("h1")).to_contain_text("Priya Sharma")

    mobile.click("nav >> text=Billing history")
    with mobile.expect_download() as download_info:
        mobile.click("text=Download invoice")
    pdf = download_info.value
    with open(pdf.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"

    mobile.click("nav >> text=License keys")
    expect(mobile.locator("text=Old laptop")).to_be_visible()
    mobile.click("button:has-text('Deactivate')")
    expect(mobile.locator(".alert-success")).to_contain_text("Old laptop")
    expect(mobile.locator(".devices")).to_have_count(0)

    mobile.click("nav >> text=Subscriptions")
    mobile.click("text=Pro plan")
    mobile.check("input[value=period_end]")
    mobile.select_option("select[name=feedback]", "too_expensive")
    mobile.click("button:has-text('Cancel subscription')")
    expect(mobile.locator(".badge")).to_contain_text("Cancels at period end")

    mobile.click("nav >> text=Profile")
    mobile.fill("input[name=phone_number]", "+91 98765 43210")
    mobile.click("button:has-text('Save')")
    expect(mobile.locator(".alert-success")).to_be_visible()
    assert errors == []
    phone.close()

    # The merchant sees what the customer did.
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    activity = page.locator("#activity-title").locator("xpath=..")
    for event in (
        "customer.updated",
        "subscription.cancellation_scheduled",
        "license_key_instance.deactivated",
        "portal.login",
    ):
        expect(activity).to_contain_text(event)
