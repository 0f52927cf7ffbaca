"""Merchant sessions end after 2 hours idle and 14 days in all
(customers.accounts.middleware.MerchantSessionTimeoutMiddleware)."""

import time

import pytest
from django.urls import reverse

from customers.accounts.middleware import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def age_session(client, *, idle: int, signed_in: int):
    session = client.session
    now = int(time.time())
    session[SEEN_AT] = now - idle
    session[SIGNED_IN_AT] = now - signed_in
    session.save()


def test_two_hours_idle_signs_the_merchant_out(owner_client, settings):
    assert settings.MERCHANT_SESSION_IDLE_TIMEOUT == 2 * 3600
    assert owner_client.get(LIST).status_code == 200
    age_session(owner_client, idle=2 * 3600 + 5, signed_in=3 * 3600)
    response = owner_client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = owner_client.get(response["Location"]).content.decode()
    assert "Your session has expired. Please sign in again." in page
    assert owner_client.get(LIST).status_code == 302  # stays signed out


def test_activity_keeps_the_session_alive(owner_client):
    owner_client.get(LIST)
    age_session(owner_client, idle=2 * 3600 - 60, signed_in=10 * 3600)
    assert owner_client.get(LIST).status_code == 200
    assert time.time() - owner_client.session[SEEN_AT] < 60  # the visit counted
    age_session(owner_client, idle=30, signed_in=10 * 3600)
    assert owner_client.get(LIST).status_code == 200


def test_fourteen_days_after_sign_in_the_session_ends_however_active(owner_client, settings):
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    owner_client.get(LIST)
    age_session(owner_client, idle=10, signed_in=14 * 24 * 3600 + 5)
    assert owner_client.get(LIST).status_code == 302


def test_the_idle_timeout_is_a_setting(owner_client, settings):
    settings.MERCHANT_SESSION_IDLE_TIMEOUT = 600
    owner_client.get(LIST)
    age_session(owner_client, idle=601, signed_in=700)
    assert owner_client.get(LIST).status_code == 302


def test_admin_sessions_time_out_too(client, django_user_model):
    staff = django_user_model.objects.create_superuser("ops@example.com", "ops@example.com", "pw")
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    age_session(client, idle=3 * 3600, signed_in=3 * 3600)
    assert client.get("/admin/").status_code == 302
