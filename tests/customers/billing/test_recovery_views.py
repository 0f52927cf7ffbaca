"""The dashboard's side: payment methods on the details page, a subscription's dunning
state with Retry now and Stop, and the Recovery page; permissions, other businesses,
bad input, and queries that do not grow with rows."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.audit import Actor
from customers.billing import payment_methods, subscriptions
from customers.billing.gateway import BuiltinGateway
from customers.billing.recovery import subscription_payment_method_set
from customers.models import Dunning, SavedPaymentMethod
from tests.factories import CustomerFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def save(customer, number="4242424242424242"):
    return payment_methods.payment_method_add(
        customer=customer,
        gateway=BuiltinGateway(),
        actor=Actor.system("test"),
        card_number=number,
        expiry_month=4,
        expiry_year=timezone.now().year + 1,
    )


def failing(customer):
    """A subscription of `customer` whose renewal was declined: in dunning."""
    start = timezone.now() - dt.timedelta(days=32)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")
    if not SavedPaymentMethod.objects.filter(customer=customer).exists():
        save(customer, "4000000000009995")
    subscriptions.subscription_renew(
        subscription=sub, now=timezone.now(), gateway=BuiltinGateway(), actor=Actor.system("t")
    )
    return sub


def test_details_page_lists_methods_and_the_owner_manages_them(owner_client, customer):
    card = save(customer)
    other = save(customer, "5555555555554444")
    page = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Visa ···· 4242" in page and "Mastercard ···· 4444" in page
    assert "Make default" in page
    owner_client.post(f"/customers/{customer.pk}/payment-methods/{other.pk}/default/")
    other.refresh_from_db()
    assert other.is_default
    owner_client.post(f"/customers/{customer.pk}/payment-methods/{card.pk}/remove/")
    card.refresh_from_db()
    assert card.removed_at is not None
    page = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'data-payment-method="{card.pk}"' not in page


def test_viewers_see_methods_but_cannot_change_them(viewer_client, customer):
    card = save(customer)
    page = viewer_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Visa ···· 4242" in page and "Remove" not in page
    response = viewer_client.post(f"/customers/{customer.pk}/payment-methods/{card.pk}/remove/")
    assert response.status_code == 403
    card.refresh_from_db()
    assert card.removed_at is None


def test_other_businesses_methods_and_dunning_are_404(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    card = save(stranger)
    sub = failing(stranger)
    base = f"/customers/{stranger.pk}"
    assert owner_client.post(f"{base}/payment-methods/{card.pk}/remove/").status_code == 404
    assert owner_client.post(f"{base}/subscriptions/{sub.pk}/retry/").status_code == 404
    assert owner_client.post(f"{base}/subscriptions/{sub.pk}/stop-recovery/").status_code == 404
    assert (
        "No subscription is in recovery."
        in owner_client.get("/customers/recovery/").content.decode()
    )


def test_subscription_tab_shows_dunning_and_retry_now_and_stop(owner_client, customer):
    sub = failing(customer)
    tab = owner_client.get(f"/customers/{customer.pk}/?tab=subscriptions").content.decode()
    assert "Recovering · 1 attempt" in tab and "insufficient_funds" in tab
    assert "Next retry" in tab and "Retry now" in tab
    owner_client.post(f"/customers/{customer.pk}/subscriptions/{sub.pk}/retry/")
    assert Dunning.objects.get().attempts == 2
    owner_client.post(f"/customers/{customer.pk}/subscriptions/{sub.pk}/stop-recovery/")
    assert Dunning.objects.get().status == "stopped"
    # Stopped: nothing to retry or stop any more.
    assert (
        owner_client.post(f"/customers/{customer.pk}/subscriptions/{sub.pk}/retry/").status_code
        == 404
    )


def test_viewers_cannot_retry_or_stop(viewer_client, customer):
    sub = failing(customer)
    assert (
        viewer_client.post(f"/customers/{customer.pk}/subscriptions/{sub.pk}/retry/").status_code
        == 403
    )
    assert Dunning.objects.get().attempts == 1


def test_recovery_page_lists_what_is_at_risk_and_recovered(owner_client, customer, business):
    sub = failing(customer)
    second = failing(CustomerFactory(business=business, name="Grace Hopper"))
    page = owner_client.get("/customers/recovery/").content.decode()
    assert page.count('data-dunning="') == 2 and "$20.00" in page  # two $10.00 at risk
    # One recovers: a working card pays its dues.
    good = save(sub.customer, "5555555555554444")
    subscription_payment_method_set(
        subscription=sub, payment_method=good, gateway=BuiltinGateway(), actor=Actor.system("t")
    )
    page = owner_client.get("/customers/recovery/").content.decode()
    assert page.count('data-dunning="') == 1 and second.customer.name in page
    assert "Recovered since" in page and "$10.00" in page


def test_the_recovery_window_setting(owner_client, business):
    response = owner_client.post("/customers/recovery/", {"dunning_window_days": "7"})
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.dunning_window_days == 7
    for bad in ("0", "31", "x", ""):
        response = owner_client.post("/customers/recovery/", {"dunning_window_days": bad})
        assert response.status_code == 200 and "field-error" in response.content.decode()
    business.refresh_from_db()
    assert business.dunning_window_days == 7


def test_viewers_cannot_change_the_recovery_window(viewer_client, business):
    page = viewer_client.get("/customers/recovery/").content.decode()
    assert "dunning_window_days" not in page
    viewer_client.post("/customers/recovery/", {"dunning_window_days": "20"})
    business.refresh_from_db()
    assert business.dunning_window_days == 13


def test_recovery_page_queries_do_not_grow_with_rows(
    owner_client, business, django_assert_max_num_queries
):
    failing(CustomerFactory(business=business))
    with django_assert_max_num_queries(20) as small:
        owner_client.get("/customers/recovery/")
    for _ in range(5):
        failing(CustomerFactory(business=business))
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get("/customers/recovery/")


def test_details_page_queries_do_not_grow_with_methods(
    owner_client, customer, django_assert_max_num_queries
):
    save(customer, "4000000000009995")
    failing(customer)
    with django_assert_max_num_queries(40) as small:
        owner_client.get(f"/customers/{customer.pk}/?tab=subscriptions")
    for number in ("5555555555554444", "4000003560000008"):
        save(customer, number)
    failing(customer)
    failing(customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(f"/customers/{customer.pk}/?tab=subscriptions")
