"""Every answer with customer data says `Cache-Control: private, no-store`
(config.middleware.PrivateNoStoreMiddleware); public assets keep their own."""

import pytest
from django.urls import reverse

from tests.api.conftest import make_key
from tests.portal.conftest import make_payment, portal_link

pytestmark = pytest.mark.django_db


def assert_private(response):
    assert response.status_code == 200, response.status_code
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_dashboard_pages(owner_client, customer):
    assert_private(owner_client.get(reverse("customers:list")))
    assert_private(owner_client.get(reverse("customers:detail", args=[customer.pk])))
    assert_private(owner_client.get(reverse("customers:report")))


def test_portal_pages_and_pdfs(client, customer):
    payment = make_payment(customer)
    assert client.get(portal_link(customer)).status_code == 302  # signed in
    portal_client = client
    assert_private(portal_client.get(reverse("portal:home")))
    assert_private(portal_client.get(reverse("portal:billing")))
    assert_private(portal_client.get(reverse("portal:profile")))
    assert_private(portal_client.get(reverse("portal:invoice", args=[payment.pk])))


def test_api_json(client, business, customer):
    headers = {"Authorization": f"Bearer {make_key(business)}"}
    assert_private(client.get("/api/customers", headers=headers))


def test_public_assets_keep_their_own_caching(client, business):
    response = client.get(reverse("portal:brand_css", args=[business.pk]))
    assert response["Cache-Control"] == "public, max-age=300"
