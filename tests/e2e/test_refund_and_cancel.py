import pytest
from playwright.sync_api import expect

from customers.models import Membership, Refund, Subscription
from tests.e2e.conftest import login
from tests.factories import (
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    PaymentFactory,
    SubscriptionFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merchant_refunds_a_payment_and_cancels_a_subscription(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    customer = CustomerFactory(business=business, name="Ada Lovelace")
    payment = PaymentFactory(customer=customer, total_amount=2500)
    sub = SubscriptionFactory(customer=customer)

    login(page, live_server, owner)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    row = page.locator(f"#payments-table tr[data-payment='{payment.pk}']")
    expect(row).to_contain_text("Successful")
    expect(row).to_contain_text("$25.00")

    # Partial refund through the form; back on the tab, the badge says so.
    row.get_by_role("link", name="Refund").click()
    expect(page.locator("h1")).to_have_text("Refund payment")
    page.fill("#id_amount", "10,00")  # a comma is not a decimal point in English: asked again
    page.fill("#id_reason", "Arrived late")
    page.click("#refund-form button[type=submit]")
    expect(page.locator(".field-error")).to_contain_text("ambiguous")
    page.fill("#id_amount", "10.00")
    page.click("#refund-form button[type=submit]")
    # The amount as read, where it goes, before money moves.
    expect(page.locator("#refund-confirm")).to_contain_text("$10.00")
    expect(page.locator("#refund-confirm")).to_contain_text("Original payment method")
    assert Refund.objects.count() == 0
    page.click("#refund-form button[type=submit]:has-text('Refund $10.00')")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/?tab=transactions")
    expect(page.locator(".alert-success")).to_contain_text("Refunded $10.00")
    expect(row).to_contain_text("Partially refunded")
    assert Refund.objects.get().amount == 1000

    # The subscriptions tab loads with HTMX and keeps ?tab= in the URL.
    page.click("a.tab:has-text('Active subscriptions')")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/?tab=subscriptions")
    sub_row = page.locator(f"#subscriptions-table tr[data-subscription='{sub.pk}']")
    expect(sub_row).to_contain_text("Active")
    sub_row.get_by_role("link", name="Cancel").click()
    page.check("input[name=when][value=now]")
    page.select_option("#id_feedback", "too_expensive")
    page.click("#cancel-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("The subscription is cancelled.")
    expect(page.locator("#tab-panel")).to_contain_text("No active subscriptions")

    # Status: All shows it, cancelled (the filter swaps the panel through HTMX).
    page.select_option("#tab-panel select[name=status]", "all")
    expect(sub_row).to_contain_text("Cancelled")
    assert "status=all" in page.url
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELLED
    assert page.console_errors == []
