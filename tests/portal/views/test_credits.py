"""The portal's Credits page: balances, grants with their expiry, history; only the
signed-in customer's own."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.wallets.credits.helpers import debit, entitlement, grant

pytestmark = pytest.mark.django_db


def test_balances_grants_with_expiry_and_history(portal_client, portal_customer, business):
    calls = entitlement(business, unit="calls")
    soon = timezone.now() + dt.timedelta(days=5)
    grant(calls, portal_customer, 120, expires_at=soon)
    grant(calls, portal_customer, 30)
    debit(calls, portal_customer, 10)
    page = portal_client.get(reverse("portal:credits")).content.decode()
    assert "140" in page  # the balance
    assert f"110 calls expire on {soon.day} {soon:%B} {soon.year}" in page
    assert "Never expire" in page
    assert "Credits used" in page and "Credits added" in page


def test_another_customers_credits_are_not_shown(portal_client, business):
    calls = entitlement(business, name="Render minutes")
    grant(calls, CustomerFactory(business=business), 99)
    page = portal_client.get(reverse("portal:credits")).content.decode()
    assert "You have no credits yet." in page and "Render minutes" not in page


def test_korean(portal_client, portal_customer, business):
    calls = entitlement(business)
    grant(calls, portal_customer, 5)
    portal_client.cookies["django_language"] = "ko"
    page = portal_client.get(reverse("portal:credits"), headers={"Accept-Language": "ko"})
    assert page.status_code == 200


def test_signed_out_is_sent_away(client):
    assert client.get(reverse("portal:credits")).status_code == 401
