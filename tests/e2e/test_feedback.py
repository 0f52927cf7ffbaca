"""Feedback a person can see and a screen reader hears (issue 15, item 13)."""

import pytest
from playwright.sync_api import expect

from customers.models import Membership
from tests.e2e.conftest import login
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_copy_says_so_in_korean_in_a_live_region(live_server, browser):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    customer = CustomerFactory(business=business, name="강유진")
    context = browser.new_context(locale="ko-KR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    login(page, live_server, owner)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.locator(".about .copy-btn").click()
    toast = page.locator("#toast")
    expect(toast).to_have_attribute("role", "status")
    expect(toast).to_have_text("클립보드에 복사했습니다")
    expect(toast).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == customer.pk
    context.close()
