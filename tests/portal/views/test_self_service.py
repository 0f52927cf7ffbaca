"""The signed-in customer's own pages (portal.views.self_service): billing, cancelling,
license keys, the wallet and the profile; nothing of another customer's."""

import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from customers.audit import Actor
from customers.models import Event, LicenseKeyInstance, Subscription
from portal import services
from portal.models import PortalSettings
from tests.factories import BusinessFactory, CustomerFactory
from tests.portal.conftest import (
    make_instance,
    make_license,
    make_payment,
    make_product,
    make_subscription,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(business):
    return make_product(business)


def test_home_shows_profile_wallets_and_subscriptions(portal_client, portal_customer, catalog):
    make_subscription(portal_customer, catalog)
    html = portal_client.get(reverse("portal:home")).content.decode()
    assert "minjun@example.com" in html
    assert "$0.00" in html and "₹0.00" in html
    assert "Pro plan" in html


def test_return_button_when_a_return_url_is_set(client, portal_customer):
    _link, url = services.portal_session_create(
        customer=portal_customer,
        return_url="https://shop.example.com/account",
        actor=Actor.system(),
    )
    client.get(url.split("127.0.0.1:8000")[-1])
    html = client.get(reverse("portal:home")).content.decode()
    assert "https://shop.example.com/account" in html and "Return to Acme Corp" in html


def test_settings_come_with_the_sign_in_and_a_change_shows_on_the_next_page(
    portal_client, portal_customer
):
    """The portal's settings are read with the sign-in's login (one join, no query of
    their own), and what the merchant saves shows on the customer's next page."""
    assert "Return to Acme Corp" not in portal_client.get(reverse("portal:home")).content.decode()
    services.portal_settings_save(
        business=portal_customer.business,
        actor=Actor.system(),
        default_return_url="https://shop.example.com/account",
    )
    with CaptureQueriesContext(connection) as queries:
        html = portal_client.get(reverse("portal:home")).content.decode()
    assert "https://shop.example.com/account" in html and "Return to Acme Corp" in html
    own = [q["sql"] for q in queries.captured_queries if 'FROM "portal_portalsettings"' in q["sql"]]
    assert own == []


def test_billing_history_and_invoice_download(portal_client, portal_customer, catalog):
    payment = make_payment(portal_customer, catalog)
    html = portal_client.get(reverse("portal:billing")).content.decode()
    assert payment.pk in html and "$20.00" in html
    response = portal_client.get(reverse("portal:invoice", args=[payment.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Min-jun Kim" in text and "20.00" in text


def test_other_customers_things_are_404(portal_client, business, catalog):
    neighbour = CustomerFactory(business=business)  # same business
    stranger = CustomerFactory(business=BusinessFactory(name="Elsewhere"))
    for other in (neighbour, stranger):
        product = catalog if other.business == business else make_product(other.business)
        payment = make_payment(other, product)
        sub = make_subscription(other, product)
        key = make_license(other, product)
        instance = make_instance(key)
        for url in (
            reverse("portal:invoice", args=[payment.pk]),
            reverse("portal:subscription", args=[sub.pk]),
        ):
            assert portal_client.get(url).status_code == 404
        for url in (
            reverse("portal:subscription_cancel", args=[sub.pk]),
            reverse("portal:subscription_keep", args=[sub.pk]),
            reverse("portal:instance_deactivate", args=[instance.pk]),
        ):
            assert portal_client.post(url, {"when": "now", "feedback": "other"}).status_code == 404
        assert LicenseKeyInstance.objects.filter(pk=instance.pk).exists()
        sub.refresh_from_db()
        assert sub.status == "active"
        html = portal_client.get(reverse("portal:billing")).content.decode()
        assert payment.pk not in html


def test_cancel_at_period_end_then_keep(portal_client, portal_customer, catalog):
    sub = make_subscription(portal_customer, catalog)
    url = reverse("portal:subscription_cancel", args=[sub.pk])
    response = portal_client.post(
        url, {"when": "period_end", "feedback": "too_expensive", "comment": "pricey"}
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.cancel_at_next_billing_date and sub.status == "active"
    assert sub.cancellation_feedback == "too_expensive"
    event = Event.objects.get(type="subscription.cancellation_scheduled")
    assert event.actor_kind == "customer" and event.actor_id == portal_customer.pk
    portal_client.post(reverse("portal:subscription_keep", args=[sub.pk]))
    sub.refresh_from_db()
    assert not sub.cancel_at_next_billing_date


def test_cancellation_follows_the_merchants_settings(
    portal_client, portal_customer, business, catalog
):
    sub = make_subscription(portal_customer, catalog)
    url = reverse("portal:subscription_cancel", args=[sub.pk])
    PortalSettings.objects.create(business=business, allow_cancellation="period_end")
    response = portal_client.post(url, {"when": "now", "feedback": "other"}, follow=True)
    assert "not available" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == "active"
    PortalSettings.objects.filter(business=business).update(allow_cancellation="off")
    html = portal_client.get(reverse("portal:subscription", args=[sub.pk])).content.decode()
    assert "To cancel, contact" in html
    portal_client.post(url, {"when": "period_end", "feedback": "other"})
    sub.refresh_from_db()
    assert not sub.cancel_at_next_billing_date


def test_cancel_needs_a_reason(portal_client, portal_customer, catalog):
    sub = make_subscription(portal_customer, catalog)
    response = portal_client.post(
        reverse("portal:subscription_cancel", args=[sub.pk]),
        {"when": "now", "feedback": "bogus"},
        follow=True,
    )
    assert "Choose a reason" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE


def test_license_keys_and_device_deactivation(portal_client, portal_customer, catalog):
    key = make_license(portal_customer, catalog)
    make_instance(key, "Work laptop")
    instance = make_instance(key, "Old desktop")
    html = portal_client.get(reverse("portal:license_keys")).content.decode()
    assert "Work laptop" in html and "2 of 3 activations" in html and key.key in html
    portal_client.post(reverse("portal:instance_deactivate", args=[instance.pk]))
    assert list(key.instances.values_list("name", flat=True)) == ["Work laptop"]
    assert Event.objects.filter(
        type="license_key_instance.deactivated", actor_kind="customer"
    ).exists()


def test_wallet_page_is_read_only_history(portal_client):
    response = portal_client.get(reverse("portal:wallet"))
    assert response.status_code == 200
    assert "No wallet activity yet" in response.content.decode()
    assert portal_client.get(reverse("portal:wallet"), {"currency": "XXX"}).status_code == 200


def test_profile_update_and_bad_phone(portal_client, portal_customer):
    url = reverse("portal:profile")
    bad = portal_client.post(url, {"form": "profile", "name": "Min-jun", "phone_number": "12"})
    assert "international format" in bad.content.decode()
    portal_client.post(
        url, {"form": "profile", "name": "Kim Min-jun", "phone_number": "+82 10 1234 5678"}
    )
    portal_customer.refresh_from_db()
    assert portal_customer.name == "Kim Min-jun" and portal_customer.phone_number == "+821012345678"
    event = Event.objects.get(type="customer.updated")
    assert event.actor_kind == "customer"


def test_email_change_needs_confirmation(
    portal_client, portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(
            reverse("portal:profile"), {"form": "email", "new_email": "new@example.com"}
        )
    portal_customer.refresh_from_db()
    assert portal_customer.email == "minjun@example.com"
    assert mail.outbox[0].to == ["new@example.com"]
    confirm = "/portal/" + mail.outbox[0].body.split("/portal/", 1)[1].split()[0]
    assert portal_client.get(confirm).status_code == 302
    portal_customer.refresh_from_db()
    assert portal_customer.email == "new@example.com"
    assert portal_client.get(confirm).status_code == 410  # works once


def test_email_change_answers_the_same_whether_the_address_is_taken_or_not(
    portal_client, business, portal_customer, django_capture_on_commit_callbacks
):
    CustomerFactory(business=business, email="taken@example.com")
    url = reverse("portal:profile")
    answers = []
    for address in ("TAKEN@example.com", "free@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = portal_client.post(url, {"form": "email", "new_email": address})
        answers.append((response.status_code, response["Location"]))
        page = portal_client.get(url).content.decode()
        assert f"We sent a confirmation link to {address}" in page
    assert answers[0] == answers[1] == (302, url)
    # Only the free address got a link; the other customer's address got nothing.
    assert [m.to for m in mail.outbox] == [["free@example.com"]]
    portal_customer.refresh_from_db()
    assert portal_customer.email == "minjun@example.com"


def test_profile_updates_can_be_turned_off(portal_client, portal_customer, business):
    PortalSettings.objects.create(business=business, allow_profile_updates=False)
    portal_client.post(
        reverse("portal:profile"), {"form": "profile", "name": "X", "phone_number": ""}
    )
    portal_customer.refresh_from_db()
    assert portal_customer.name == "Min-jun Kim"


def test_query_count_of_billing_does_not_grow(
    portal_client, portal_customer, catalog, django_assert_max_num_queries
):
    make_payment(portal_customer, catalog)
    with django_assert_max_num_queries(12) as small:
        portal_client.get(reverse("portal:billing"))
    for _ in range(8):
        make_payment(portal_customer, catalog)
    with django_assert_max_num_queries(len(small.captured_queries)):
        portal_client.get(reverse("portal:billing"))


def test_korean_portal(portal_client):
    portal_client.post(reverse("portal:language"), {"language": "ko", "next": "/portal/"})
    html = portal_client.get(reverse("portal:home")).content.decode()
    assert '<html lang="ko">' in html and "결제 내역" in html


@pytest.mark.parametrize("status", ["failed", "processing", "cancelled"])
def test_no_invoice_for_a_payment_that_did_not_succeed(
    portal_client, portal_customer, catalog, status
):
    payment = make_payment(portal_customer, catalog, status=status)
    assert portal_client.get(reverse("portal:invoice", args=[payment.pk])).status_code == 404


def test_nul_in_the_cancellation_comment_is_refused(portal_client, portal_customer, catalog):
    sub = make_subscription(portal_customer, catalog)
    response = portal_client.post(
        reverse("portal:subscription_cancel", args=[sub.pk]),
        {"when": "now", "feedback": "too_expensive", "comment": "bye\x00", "confirmed": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "invalid characters" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE


def test_cancel_now_asks_first(portal_client, portal_customer, business, catalog):
    sub = make_subscription(portal_customer, catalog)
    PortalSettings.objects.create(business=business, allow_cancellation="both")
    url = reverse("portal:subscription_cancel", args=[sub.pk])
    response = portal_client.post(url, {"when": "now", "feedback": "other", "comment": "x"})
    html = response.content.decode()
    assert response.status_code == 200 and "ends immediately" in html
    assert 'name="confirmed" value="1"' in html
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE
    data = {"when": "now", "feedback": "other", "confirmed": "1"}
    response = portal_client.post(url, data, follow=True)
    assert "Your subscription is cancelled." in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELLED


def test_a_disabled_key_says_why_and_what_to_do(portal_client, portal_customer, catalog):
    make_license(
        portal_customer, catalog, status="disabled", disabled_reason="subscription_on_hold"
    )
    html = portal_client.get(reverse("portal:license_keys")).content.decode()
    assert "on hold" in html and "Update your payment method" in html


@pytest.mark.parametrize(
    ("path", "lit"),
    [
        ("/portal/", "/portal/"),
        ("/portal/billing/", "/portal/billing/"),
        ("/portal/subscriptions/", "/portal/subscriptions/"),
        ("/portal/wallet/", "/portal/wallet/"),
    ],
)
def test_the_portal_nav_lights_the_page_shown(portal_client, path, lit):
    html = portal_client.get(path).content.decode()
    nav = html.split('<nav class="portal-nav"', 1)[1].split("</nav>", 1)[0]
    assert nav.count('class="is-active"') == 1
    assert f'<a href="{lit}" class="is-active">' in nav


def test_a_subscriptions_own_page_lights_subscriptions(portal_client, portal_customer, catalog):
    subscription = make_subscription(portal_customer, catalog)
    html = portal_client.get(f"/portal/subscriptions/{subscription.pk}/").content.decode()
    assert '<a href="/portal/subscriptions/" class="is-active">' in html
    assert '<a href="/portal/" class="">' in html
