"""Buying in the portal: a credit pack from the Credits page and a wallet top-up,
each with a confirm step (card and amount), a result page, and one charge per
confirmation however often it is posted."""

import re

import pytest
from django.urls import reverse

from customers.models import Payment
from tests.customers.billing.purchase_helpers import POOR_CARD, card, pack
from tests.factories import BusinessFactory, ProductFactory
from tests.wallets.credits.helpers import grant
from wallets.credits.models import CreditAutoTopUp, CreditBalance
from wallets.models import LedgerEntry, TopUpSettings
from wallets.selectors import balance

pytestmark = pytest.mark.django_db


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def confirm_page(client, product):
    response = client.get(reverse("portal:pack_buy", args=[product.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_credits_page_lists_the_packs_on_sale(portal_client, business):
    pack(business, credits=1000, price=1900, name="Starter pack")
    pack(BusinessFactory(), name="Another shop's pack")
    ProductFactory(business=business, name="Plain e-book")
    page = portal_client.get(reverse("portal:credits")).content.decode()
    assert "Buy credits" in page and "Starter pack" in page and "$19.00" in page
    assert "+1,000 calls" in page
    assert "Another shop" not in page and "Plain e-book" not in page


def test_the_credits_page_queries_do_not_grow_with_packs(
    portal_client, business, django_assert_max_num_queries
):
    _product, calls = pack(business)
    portal_client.get(reverse("portal:credits"))
    with django_assert_max_num_queries(30) as few:
        portal_client.get(reverse("portal:credits"))
    for n in range(6):
        pack(business, name=f"Pack {n}", ent=calls)
    with django_assert_max_num_queries(len(few.captured_queries)):
        portal_client.get(reverse("portal:credits"))


def test_buy_a_pack_confirm_with_the_card_then_see_the_result(
    portal_client, portal_customer, business
):
    product, calls = pack(business, credits=1000, price=1900)
    card(portal_customer)
    page = confirm_page(portal_client, product)
    assert "Visa ···· 4242" in page and "Pay $19.00" in page and "Never expire" in page
    response = portal_client.post(
        reverse("portal:pack_buy", args=[product.pk]),
        {"token": token_of(page), "payment_method": portal_customer.payment_methods.get().pk},
        follow=True,
    )
    result = response.content.decode()
    assert "Payment received" in result and "$19.00 was charged to Visa ···· 4242." in result
    assert "+1,000 calls" in result
    assert CreditBalance.objects.get(customer=portal_customer, entitlement=calls).balance == 10**6


def test_a_double_submitted_confirmation_charges_once(portal_client, portal_customer, business):
    product, _calls = pack(business)
    method = card(portal_customer)
    form = {"token": token_of(confirm_page(portal_client, product)), "payment_method": method.pk}
    url = reverse("portal:pack_buy", args=[product.pk])
    first = portal_client.post(url, form)
    second = portal_client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Payment.objects.count() == 1


def test_a_declined_card_shows_why_and_adds_nothing(portal_client, portal_customer, business):
    product, _calls = pack(business)
    method = card(portal_customer, POOR_CARD)
    form = {"token": token_of(confirm_page(portal_client, product)), "payment_method": method.pk}
    result = portal_client.post(
        reverse("portal:pack_buy", args=[product.pk]), form, follow=True
    ).content.decode()
    assert "Payment declined" in result and "Your card was declined: insufficient funds." in result
    assert "Try again" in result
    assert not CreditBalance.objects.exists()


def test_another_businesss_pack_is_not_found(portal_client, portal_customer):
    card(portal_customer)
    product, _calls = pack(BusinessFactory())
    assert portal_client.get(reverse("portal:pack_buy", args=[product.pk])).status_code == 404
    url = reverse("portal:pack_buy", args=[product.pk])
    response = portal_client.post(url, {"token": "x" * 32})
    assert response.status_code == 404 and not Payment.objects.exists()


@pytest.mark.parametrize(
    "form, error",
    [
        ({"token": "not a token!"}, "This form has expired. Please try again."),
        ({"token": "a" * 32, "payment_method": "pm_someone_else"}, "Choose one of your saved"),
        ({}, "This field is required."),
    ],
)
def test_bad_input_is_a_form_error_and_charges_nothing(
    portal_client, portal_customer, business, form, error
):
    product, _calls = pack(business)
    method = card(portal_customer)
    form = {"payment_method": method.pk, **form}
    response = portal_client.post(reverse("portal:pack_buy", args=[product.pk]), form)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Payment.objects.exists()


def test_without_a_saved_method_the_customer_adds_one_and_comes_back(
    portal_client, portal_customer, business
):
    product, _calls = pack(business)
    here = reverse("portal:pack_buy", args=[product.pk])
    response = portal_client.get(here)
    assert response.status_code == 302 and response.url == f"/portal/payment-methods/?next={here}"
    added = portal_client.post(
        response.url,
        {
            "kind": "card",
            "card_number": "4242 4242 4242 4242",
            "expiry_month": "11",
            "expiry_year": "2040",
            "holder_name": "Min-jun Kim",
        },
    )
    assert added.status_code == 302 and added.url == here
    off_site = portal_client.post(
        "/portal/payment-methods/?next=https://evil.example/",
        {"kind": "upi", "upi_handle": "success@upi"},
    )
    assert off_site.url == "/portal/payment-methods/"


# --- Wallet top-ups ----------------------------------------------------------------


@pytest.fixture
def bonus(business):
    return TopUpSettings.objects.create(
        business=business, currency="USD", bonus_percent=10, bonus_min_amount=5000
    )


def test_top_up_with_the_bonus_as_its_own_entry(portal_client, portal_customer, bonus):
    card(portal_customer)
    url = reverse("portal:wallet_top_up")
    page = portal_client.get(url).content.decode()
    assert "+10% on top-ups of $50.00 or more" in page
    assert "its promotional bonus is taken back first" in page
    preview = portal_client.post(url, {"currency": "USD", "amount": "50.00"}).content.decode()
    assert "Promotional bonus: +$5.00" in preview and "Added to your wallet: $55.00" in preview
    form = {
        "currency": "USD",
        "amount": "50.00",
        "confirm": "1",
        "token": token_of(preview),
        "payment_method": portal_customer.payment_methods.get().pk,
    }
    result = portal_client.post(url, form, follow=True).content.decode()
    assert "Payment received" in result and "+$5.00" in result
    portal_client.post(url, form)  # posted again: nothing more
    assert balance(portal_customer, "USD") == 5500
    wallet = portal_client.get(reverse("portal:wallet")).content.decode()
    assert "Promotional bonus" in wallet and "Top-up" in wallet and "Promotional</span>" in wallet


@pytest.mark.parametrize(
    "amount, error",
    [
        ("12,50", "is ambiguous here"),
        ("1e3", "Enter an amount with digits only"),
        ("4.99", "Top up between $5.00 and $5,000.00."),
        ("-5", "Enter an amount greater than zero."),
        ("", "This field is required."),
    ],
)
def test_a_bad_amount_is_a_form_error(portal_client, portal_customer, amount, error):
    card(portal_customer)
    response = portal_client.post(
        reverse("portal:wallet_top_up"), {"currency": "USD", "amount": amount}
    )
    assert response.status_code == 200 and error in response.content.decode()
    assert not Payment.objects.exists()


def test_the_amount_is_read_in_the_customers_language(portal_client, portal_customer, bonus):
    card(portal_customer)
    portal_client.cookies["hub_portal_language"] = "de"
    url = reverse("portal:wallet_top_up")
    preview = portal_client.post(url, {"currency": "USD", "amount": "1.234,50"}).content.decode()
    assert 'name="token"' in preview  # read as 1,234.50: the confirm step
    assert "123.450" not in preview and "1.234,50\xa0$" in preview
    refused = portal_client.post(url, {"currency": "USD", "amount": "12.50"}).content.decode()
    assert 'name="token"' not in refused and "12,50" in refused  # the German example
    assert not LedgerEntry.objects.exists()


def test_korean_pages_render(portal_client, portal_customer, business, bonus):
    product, _calls = pack(business)
    card(portal_customer)
    portal_client.cookies["hub_portal_language"] = "ko"
    for url in (
        reverse("portal:credits"),
        reverse("portal:pack_buy", args=[product.pk]),
        reverse("portal:wallet_top_up"),
        reverse("portal:wallet"),
    ):
        page = portal_client.get(url)
        assert page.status_code == 200 and 'lang="ko"' in page.content.decode()
    page = portal_client.get(reverse("portal:wallet_top_up")).content.decode()
    assert "지갑 충전" in page and "$50.00 이상 충전 시 +10%" in page


# --- Auto top-up -------------------------------------------------------------------


def auto_form(calls, pack_product, **fields):
    return {
        "form": "auto_top_up",
        "credit": calls.pk,
        "enabled": "on",
        "threshold": "100",
        "product": pack_product.pk,
        "monthly_limit": "3",
        **fields,
    }


def test_set_an_auto_top_up_on_the_credits_page(portal_client, portal_customer, business):
    product, calls = pack(business, name="Big pack")
    card(portal_customer)
    grant(calls, portal_customer, 500)
    page = portal_client.get(reverse("portal:credits")).content.decode()
    assert "Auto top-up" in page and "Big pack · $19.00" in page
    response = portal_client.post(reverse("portal:credits"), auto_form(calls, product))
    assert response.status_code == 302
    rule = CreditAutoTopUp.objects.get(customer=portal_customer)
    assert (rule.threshold, rule.product, rule.monthly_limit, rule.enabled) == (
        100_000,
        product,
        3,
        True,
    )
    page = portal_client.get(response.url).content.decode()
    assert "Used this month: 0 of 3." in page and 'value="100"' in page


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"threshold": "abc"}, "Enter the amount as a number"),
        ({"threshold": "1.5"}, "at most 0 decimal places"),
        ({"monthly_limit": "40"}, "less than or equal to 31"),
        ({"product": "pdt_nope"}, "Choose a credit pack that adds this credit."),
    ],
)
def test_bad_auto_top_up_input_is_a_form_error(
    portal_client, portal_customer, business, fields, error
):
    product, calls = pack(business)
    grant(calls, portal_customer, 500)
    response = portal_client.post(reverse("portal:credits"), auto_form(calls, product, **fields))
    assert response.status_code == 200 and error in response.content.decode()
    assert not CreditAutoTopUp.objects.exists()


def test_another_businesss_pack_cannot_be_chosen(portal_client, portal_customer, business):
    _product, calls = pack(business)
    foreign, _ = pack(BusinessFactory())
    grant(calls, portal_customer, 500)
    response = portal_client.post(reverse("portal:credits"), auto_form(calls, foreign))
    assert "Choose a credit pack that adds this credit." in response.content.decode()
    assert not CreditAutoTopUp.objects.exists()
