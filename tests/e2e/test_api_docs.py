"""The API docs page renders Swagger UI from our own origin under the strict CSP,
and the API keys page shows a new key once with a copy button."""

import os
import re

import pytest
from playwright.sync_api import expect

from customers.models import Membership
from tests.e2e.conftest import login
from tests.factories import BusinessFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def test_api_docs_render_under_the_csp(live_server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(f"{live_server.url}/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Customer Hub API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/customers/{customer_id}/customer-portal/session")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "api-docs.png"), full_page=False)
    assert all(url.startswith(live_server.url) for url in requests), requests
    csp_errors = [e for e in page.console_errors if "Content Security Policy" in e]
    assert csp_errors == []


def test_owner_creates_an_api_key_and_copies_it(live_server, page):
    business = BusinessFactory(name="Acme")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    login(page, live_server, owner)
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Billing worker")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-api-key")
    expect(secret).to_have_text(re.compile(r"^hub_sk_[0-9A-Za-z]{40}$"))
    expect(page.get_by_role("button", name="Copy key")).to_be_visible()
    expect(page.locator("#api-keys-table")).to_contain_text("Billing worker")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "api-keys.png"), full_page=True)
    page.reload()
    expect(page.locator("#new-api-key")).to_have_count(0)
