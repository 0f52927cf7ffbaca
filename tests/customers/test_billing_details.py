"""Customers' billing details (address, tax ID, business name): the dashboard form and
About section, the API extension fields, reports/exports, and the portal."""

import csv
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers import services
from customers.audit import Actor
from customers.models import Customer, Event
from portal.errors import ProfileUpdatesDisabled
from portal.models import PortalSettings
from portal.services import portal_billing_update, portal_session_create
from tests.api.conftest import make_key

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
BILLING = {
    "business_name": "Analytical Engines Ltd.",
    "tax_id": "GB999 9999 73",
    "billing_street": "12 St James's Square",
    "billing_city": "London",
    "billing_state": "",
    "billing_zipcode": "SW1Y 4JH",
    "billing_country": "GB",
}


def _form(**changes):
    return {"name": "Ada Lovelace", "email": "ada@example.com", **BILLING, **changes}


def test_service_keeps_billing_details_on_one_line_and_checks_the_country(business):
    customer = services.customer_create(
        business=business,
        actor=SYSTEM,
        name="Ada",
        email="ada@example.com",
        billing_street="  12 St James's\nSquare ",
        billing_country="gb",
    )
    assert customer.billing_street == "12 St James's Square" and customer.billing_country == "GB"
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, actor=SYSTEM, billing_country="ZZ")
    services.customer_update(customer=customer, actor=SYSTEM, tax_id="GB1")
    assert Event.objects.get(type="customer.updated").payload["changes"] == {"tax_id": ["", "GB1"]}


def test_dashboard_form_saves_and_about_shows_billing_details(owner_client, business):
    response = owner_client.post(reverse("customers:create"), _form())
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.tax_id == "GB999 9999 73" and customer.billing_country == "GB"
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    for text in ("Analytical Engines Ltd.", "GB999 9999 73", "SW1Y 4JH London", "United Kingdom"):
        assert text in page, text
    edit = owner_client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert 'id="billing-details"' in edit and "Analytical Engines Ltd." in edit


def test_dashboard_form_refuses_a_bad_country_and_long_tax_id(owner_client):
    response = owner_client.post(
        reverse("customers:create"), _form(billing_country="ZZ", tax_id="x" * 51)
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice." in page
    assert "at most 50 characters" in page
    assert not Customer.objects.exists()


def test_api_round_trips_billing_as_an_extension(client, business, other_business):
    headers = {"authorization": f"Bearer {make_key(business)}"}
    body = {
        "email": "ada@example.com",
        "name": "Ada",
        "billing": {"country": "GB", "city": "London", "zipcode": "SW1Y 4JH"},
        "tax_id": "GB1",
        "business_name": "AE Ltd.",
    }
    created = client.post("/api/customers", body, content_type="application/json", headers=headers)
    assert created.status_code == 200, created.content
    data = created.json()
    assert data["billing"] == {
        "country": "GB",
        "street": None,
        "city": "London",
        "state": None,
        "zipcode": "SW1Y 4JH",
    }
    assert (data["tax_id"], data["business_name"]) == ("GB1", "AE Ltd.")
    url = f"/api/customers/{data['customer_id']}"
    patched = client.patch(
        url, {"billing": None, "tax_id": None}, content_type="application/json", headers=headers
    ).json()
    assert patched["billing"] is None and patched["tax_id"] is None
    assert patched["business_name"] == "AE Ltd."  # absent: unchanged
    other = {"authorization": f"Bearer {make_key(other_business)}"}
    assert client.get(url, headers=other).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"billing": {"city": "London"}},  # no country
        {"billing": {"country": "ZZ"}},
        {"billing": {"country": "GB", "zipcode": "x" * 21}},
        {"billing": "London"},
        {"tax_id": "x" * 51},
        {"business_name": 5},
    ],
)
def test_api_bad_billing_is_422_and_writes_nothing(client, business, customer, body):
    headers = {"authorization": f"Bearer {make_key(business)}"}
    response = client.patch(
        f"/api/customers/{customer.pk}", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 422, response.content
    assert set(response.json()) == {"code", "message"}
    customer.refresh_from_db()
    assert customer.billing_country == "" and customer.tax_id == ""


def test_export_has_billing_columns(owner_client, customer):
    services.customer_update(customer=customer, actor=SYSTEM, **BILLING)
    response = owner_client.get(
        reverse("customers:export_csv"), {"columns": "email,business_name,tax_id,billing_country"}
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1] == ["ada@example.com", "Analytical Engines Ltd.", "GB999 9999 73", "GB"]


def _portal_client(client, customer):
    _link, url = portal_session_create(customer=customer, actor=SYSTEM)
    client.get(url.removeprefix(settings.PUBLIC_BASE_URL))
    return client


def test_portal_customer_edits_own_billing_details(client, customer):
    portal = _portal_client(client, customer)
    page = portal.get(reverse("portal:profile")).content.decode()
    assert 'id="billing-details"' in page
    response = portal.post(reverse("portal:profile"), {"form": "billing", **BILLING})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.tax_id == "GB999 9999 73"
    event = Event.objects.get(type="customer.updated")
    assert event.actor_kind == "customer"
    bad = portal.post(reverse("portal:profile"), {"form": "billing", "billing_country": "ZZ"})
    assert bad.status_code == 200 and "Select a valid choice." in bad.content.decode()


def test_portal_billing_edits_follow_the_profile_switch(client, business, customer):
    with pytest.raises(TypeError, match=r"unexpected fields: \['email', 'name'\]"):
        portal_billing_update(customer=customer, name="X", email="x@example.com")  # not billing
    PortalSettings.objects.create(business=business, allow_profile_updates=False)
    with pytest.raises(ProfileUpdatesDisabled):
        portal_billing_update(customer=customer, tax_id="X")
    portal = _portal_client(client, customer)
    portal.post(reverse("portal:profile"), {"form": "billing", **BILLING})
    customer.refresh_from_db()
    assert customer.tax_id == ""
