"""The portal's payment methods and the end-to-end recovery: a renewal declined by the
test gateway's card → dunning and its e-mail → the customer follows the e-mail's link,
adds a working card → the dues are charged, the invoice issued, the keys back on."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import (
    Dunning,
    EmailLog,
    Event,
    LicenseKey,
    Payment,
    SavedPaymentMethod,
    Subscription,
)
from tests.factories import CustomerFactory, LicenseKeyFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

CARD = {
    "kind": "card",
    "card_number": "4242 4242 4242 4242",
    "expiry_month": "11",
    "expiry_year": str(timezone.now().year + 3),
    "holder_name": "Min-jun Kim",
}


def add(client, **fields):
    return client.post("/portal/payment-methods/", {**CARD, **fields}, follow=True)


def test_the_page_says_plainly_it_is_a_test_gateway(portal_client):
    page = portal_client.get("/portal/payment-methods/").content.decode()
    assert "Test mode: no real card is charged." in page
    assert "4000 0000 0000 9995" in page and "failure@upi" in page


def test_add_a_card_and_a_upi_make_default_and_remove(portal_client, portal_customer):
    add(portal_client)
    card = SavedPaymentMethod.objects.get()
    assert (card.card_network, card.card_last_four, card.is_default) == ("visa", "4242", True)
    assert (card.expiry_month, card.holder_name, card.issuing_country) == (11, "Min-jun Kim", "US")
    add(portal_client, kind="upi", upi_handle="success@upi")
    upi = SavedPaymentMethod.objects.get(kind="upi")
    assert upi.upi_handle == "success@upi" and not upi.is_default
    portal_client.post(f"/portal/payment-methods/{upi.pk}/default/")
    card.refresh_from_db()
    upi.refresh_from_db()
    assert upi.is_default and not card.is_default
    portal_client.post(f"/portal/payment-methods/{card.pk}/remove/")
    assert list(SavedPaymentMethod.objects.usable()) == [upi]


def test_the_card_number_is_kept_nowhere(portal_client, portal_customer, caplog):
    add(portal_client)
    for model in (SavedPaymentMethod, Event, EmailLog):
        for row in model.objects.values():
            assert "4242424242424242" not in str(row) and "4242 4242 4242 4242" not in str(row)
    assert "4242424242424242" not in caplog.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"card_number": "1234"}, "Enter the card number (12 to 19 digits)."),
        ({"card_number": "4111111111111111"}, "The test gateway accepts only the test card"),
        ({"expiry_year": "2001"}, "The card has expired."),
        ({"expiry_month": "13"}, "Ensure this value is less than or equal to 12."),
        ({"card_number": ""}, "Enter the card number."),
        ({"kind": "upi", "upi_handle": "not a handle"}, "Enter a UPI ID like name@bank."),
        ({"kind": "upi", "upi_handle": ""}, "Enter the UPI ID."),
        ({"kind": "bitcoin"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error(portal_client, fields, message):
    response = add(portal_client, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SavedPaymentMethod.objects.exists()


def test_another_customers_method_is_404(portal_client, business):
    other = CustomerFactory(business=business)
    theirs = SavedPaymentMethod.objects.create(
        business=business, customer=other, kind="card", gateway_token="t", card_last_four="4242"
    )
    assert portal_client.post(f"/portal/payment-methods/{theirs.pk}/remove/").status_code == 404
    assert portal_client.post(f"/portal/payment-methods/{theirs.pk}/default/").status_code == 404


def test_signed_out_visitors_are_refused(client):
    response = client.get("/portal/payment-methods/")
    assert response.status_code == 401


# --- End to end -----------------------------------------------------------------------


@pytest.fixture
def renewing(portal_customer):
    """A monthly subscription ending an hour ago, charged to the card that declines for
    insufficient funds, with a license key."""
    start = timezone.now() - dt.timedelta(days=31, hours=1)
    sub = SubscriptionFactory(
        customer=portal_customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(
        customer=portal_customer, subscription=sub, pricing_type="subscription", created_at=start
    )
    key = LicenseKeyFactory(customer=portal_customer, subscription=sub, product=sub.product)
    return sub, key


def test_declined_renewal_to_recovered_through_the_portal(portal_client, renewing):
    sub, key = renewing
    add(portal_client, card_number="4000 0000 0000 9995")  # saves; declines on charge
    now = timezone.now()
    call_command("bill_due_subscriptions", "--now", now.isoformat())
    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "on_hold" and key.status == "disabled"

    # Two retries later (12 h, then 24 h), still declined: two reminders.
    call_command("retry_dunning", "--now", (now + dt.timedelta(hours=12)).isoformat())
    call_command("retry_dunning", "--now", (now + dt.timedelta(hours=36)).isoformat())
    kinds = list(EmailLog.objects.order_by("created_at").values_list("email_type", flat=True))
    assert kinds == ["dunning_payment_failed", "dunning_reminder", "dunning_reminder"]
    assert Dunning.objects.get().attempts == 3

    # The e-mail's link opens the update page; the customer adds a working card there.
    body = EmailLog.objects.filter(email_type="dunning_reminder").last().body
    url = re.search(r"https?://\S+/payment-method/", body).group(0)
    page = portal_client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "A payment of $10.00 failed" in page.content.decode()
    response = portal_client.post(urlsplit(url).path, {**CARD, "make_default": "on"}, follow=True)
    assert "Paid. Your subscription is active again." in response.content.decode()

    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "active" and key.status == LicenseKey.Status.ACTIVE
    paid = Payment.objects.get(charge_type="renewal", status="succeeded")
    assert paid.card_last_four == "4242" and paid.invoice_number is not None
    assert sub.next_billing_date > now
    assert Dunning.objects.get().status == "recovered"
    types = list(Event.objects.values_list("type", flat=True))
    for expected in ("dunning.started", "dunning.recovered", "subscription.active"):
        assert expected in types
    assert EmailLog.objects.filter(email_type="dunning_recovered").exists()
    # Later runs charge nothing more for that period.
    call_command("retry_dunning", "--now", (now + dt.timedelta(days=4)).isoformat())
    assert Payment.objects.filter(status="succeeded", charge_type="renewal").count() == 1


def test_choosing_a_saved_method_for_a_subscription(portal_client, renewing):
    sub, _key = renewing
    add(portal_client)
    add(portal_client, kind="upi", upi_handle="success@upi")
    upi = SavedPaymentMethod.objects.get(kind="upi")
    response = portal_client.post(
        f"/portal/subscriptions/{sub.pk}/payment-method/", {"payment_method": upi.pk}, follow=True
    )
    assert "Your subscription will be charged to UPI success@upi." in response.content.decode()
    sub.refresh_from_db()
    assert sub.payment_method_id == upi.pk
    assert not Payment.objects.filter(charge_type="renewal").exists()  # nothing was owed


def test_a_hard_declined_card_on_the_update_page_says_so(portal_client, renewing):
    sub, _key = renewing
    add(portal_client, card_number="4000000000000069")  # expired at charge time
    call_command("bill_due_subscriptions")
    run = Dunning.objects.get()
    assert run.hard_decline
    response = portal_client.post(
        f"/portal/subscriptions/{sub.pk}/payment-method/",
        {**CARD, "card_number": "4000000000009995"},
        follow=True,
    )
    assert "was declined" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ON_HOLD
