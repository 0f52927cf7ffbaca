"""License keys on the details page: the tab, and disabling, enabling and limiting a key
(customers.licenses.views)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.customers.helpers import detail
from tests.factories import LicenseKeyFactory, LicenseKeyInstanceFactory

pytestmark = pytest.mark.django_db


def test_license_keys_tab_masks_and_reveals(owner_client, customer):
    key = LicenseKeyFactory(customer=customer, key="db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0")
    LicenseKeyInstanceFactory(license_key=key, name="work-laptop")
    html = owner_client.get(detail(customer, tab="license-keys")).content.decode()
    assert "••••-••••-c8c0" in html
    assert "db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0" in html  # inside the <details> reveal
    assert "work-laptop" in html and "1 instance" in html


def test_license_key_disable_enable_and_limit(owner_client, customer):
    key = LicenseKeyFactory(customer=customer)
    LicenseKeyInstanceFactory.create_batch(2, license_key=key)
    status_url = reverse("customers:license_key_status", args=[customer.pk, key.pk])
    limit_url = reverse("customers:license_key_limit", args=[customer.pk, key.pk])
    owner_client.post(status_url, {"action": "disable"})
    key.refresh_from_db()
    assert (key.status, key.disabled_reason) == ("disabled", "manual")
    owner_client.post(status_url, {"action": "enable"})
    key.refresh_from_db()
    assert key.status == "active"
    response = owner_client.post(limit_url, {"activations_limit": "1"}, follow=True)
    assert "cannot be lower than the number of current activations" in response.content.decode()
    key.refresh_from_db()
    assert key.activations_limit == 3
    owner_client.post(limit_url, {"activations_limit": "2"})
    key.refresh_from_db()
    assert key.activations_limit == 2
    owner_client.post(limit_url, {"activations_limit": ""})
    key.refresh_from_db()
    assert key.activations_limit is None


def test_viewers_see_license_keys_masked(viewer_client, customer):
    LicenseKeyFactory(customer=customer, key="db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0")
    url = detail(customer, tab="license-keys")
    for headers in ({}, {"HX-Request": "true"}):  # the page and the tab's fragment
        html = viewer_client.get(url, headers=headers).content.decode()
        assert "••••-••••-c8c0" in html
        assert "db44b22c" not in html and "Copy key" not in html


def test_the_tab_filters_by_effective_status_as_the_clock_reads_it(owner_client, customer):
    """An active key past its expiry shows under Expired, not Active; the filter reads
    the time of each request (so the tab's query for a status is not prepared)."""
    now = timezone.now()
    LicenseKeyFactory(customer=customer, key="aaaa-live-1111", status="active")
    LicenseKeyFactory(
        customer=customer,
        key="bbbb-late-2222",
        status="active",
        expires_at=now - dt.timedelta(days=1),
    )
    LicenseKeyFactory(customer=customer, key="cccc-gone-3333", status="disabled")
    shown = {}
    for status in ("", "active", "expired", "disabled"):
        html = owner_client.get(detail(customer, tab="license-keys", status=status)).content
        shown[status] = {k for k in ("1111", "2222", "3333") if f"-{k}" in html.decode()}
    assert shown == {
        "": {"1111", "2222", "3333"},
        "active": {"1111"},
        "expired": {"2222"},
        "disabled": {"3333"},
    }
    later = now + dt.timedelta(minutes=2)
    LicenseKeyFactory(customer=customer, key="dddd-soon-4444", status="active", expires_at=later)
    with time_machine.travel(later + dt.timedelta(minutes=1)):
        html = owner_client.get(detail(customer, tab="license-keys", status="expired")).content
    assert "-4444" in html.decode() and "-1111" not in html.decode()
