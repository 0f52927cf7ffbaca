"""The top bar's search: an ID (full or as pages show it) opens its object, in this
business only; other text searches the customer table."""

import pytest
from django.urls import reverse

from customers.audit import Actor
from customers.core.formatting import short_id
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)
from wallets.services import ledger_post

pytestmark = pytest.mark.django_db
SEARCH = reverse("customers:search")


def go(client, q):
    return client.get(SEARCH, {"q": q})


def test_each_kind_of_id_opens_its_page(owner_client, business, customer):
    payment = PaymentFactory(customer=customer)
    refund = RefundFactory(payment=payment, amount=100)
    sub = SubscriptionFactory(customer=customer)
    key = LicenseKeyFactory(customer=customer)
    entry = ledger_post(
        business=business,
        customer=customer,
        currency="USD",
        amount=500,
        direction="credit",
        event_type="merchant_adjustment",
        reason="goodwill",
        actor=Actor.system(),
    )
    detail = reverse("customers:detail", args=[customer.pk])
    payment_page = reverse("customers:payment_detail", args=[customer.pk, payment.pk])
    expected = {
        customer.pk: detail,
        payment.pk: payment_page,
        refund.pk: payment_page,
        sub.pk: f"{detail}?tab=subscriptions",
        key.pk: f"{detail}?tab=license-keys",
        entry.pk: f"{detail}?tab=wallet",
    }
    for object_id, url in expected.items():
        for form in (object_id, f"  {object_id} ", short_id(object_id)):
            response = go(owner_client, form)
            assert response.status_code == 302, form
            assert response["Location"] == url, form
    # The short form with three dots, as someone might type it.
    assert go(owner_client, short_id(payment.pk).replace("…", "...")).status_code == 302


def test_another_businesss_id_is_not_found_like_an_unknown_one(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    payment = PaymentFactory(customer=stranger)
    for q in (stranger.pk, payment.pk, short_id(payment.pk), "pay_" + "0" * 25):
        response = go(owner_client, q)
        assert response.status_code == 404
        assert q in response.content.decode()
        assert stranger.name not in response.content.decode()


def test_other_text_searches_customers(owner_client, customer):
    response = go(owner_client, "ada love")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list") + "?q=ada+love"
    assert go(owner_client, "")["Location"] == reverse("customers:list")


def test_the_top_bar_has_the_search_box(owner_client):
    html = owner_client.get(reverse("customers:list")).content.decode()
    assert f'action="{SEARCH}" role="search"' in html


def test_anonymous_search_is_sent_to_login(client):
    assert go(client, "pay_x")["Location"].startswith(reverse("login"))
