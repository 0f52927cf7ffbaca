"""The overview page and the details page's money summary: who may see them, what a
merchant reads there, bad input, and a constant number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.audit import Actor
from tests.customers.overview.conftest import PERIOD
from tests.factories import (
    BusinessFactory,
    CustomerFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
    UserFactory,
)
from wallets.services import ledger_post

pytestmark = pytest.mark.django_db
CUSTOM = {"period": "custom", "start": str(PERIOD.start), "end": str(PERIOD.end)}


def credit(customer, amount, direction="credit", currency="USD"):
    return ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction=direction,
        event_type="merchant_adjustment",
        reason="goodwill",
        actor=Actor.system(),
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_login_without_a_business_gets_a_clear_403(client):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 403


def test_overview_shows_the_periods_figures(owner_client, shop):
    response = owner_client.get("/", CUSTOM)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-03-01 to 2026-03-10" in html and "2026-02-19 to 2026-02-28" in html
    assert "$75.00" in html and "+66.7%" in html  # net revenue, against $45.00
    assert "$82.00" in html  # MRR at the end of the period
    assert "₹2,000.00" in html
    assert 'role="img"' in html and "<title" in html and "Show the numbers" in html


def test_viewers_see_the_overview_too(client, business, viewer):
    client.force_login(viewer)
    assert client.get("/").status_code == 200


def test_another_business_figures_are_invisible(owner_client, business):
    other = BusinessFactory()
    PaymentFactory(customer=CustomerFactory(business=other), total_amount=4242_00)
    html = owner_client.get("/").content.decode()
    assert "$4,242.00" not in html


def test_wallets_held_are_a_liability_at_the_end_of_the_period(owner_client, business, customer):
    credit(customer, 5000)
    credit(customer, 2000, "debit")
    html = owner_client.get("/", {"period": "7"}).content.decode()
    assert "Held in wallets" in html and "$30.00" in html


@pytest.mark.parametrize(
    "query",
    [
        {"period": "bogus"},
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
        {"period": "custom", "start": "x" * 5000, "end": "\x00"},
        {"period": "custom", "start": "9999-12-31", "end": "9999-12-31"},
        {"period": "custom", "start": "0001-01-01", "end": "0001-01-01"},
    ],
)
def test_bad_periods_show_a_form_error_not_a_500(owner_client, business, query):
    response = owner_client.get("/", query)
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_overview_query_count_does_not_grow_with_rows(
    owner_client, business, django_assert_max_num_queries
):
    customer = CustomerFactory(business=business)
    PaymentFactory(customer=customer)
    with django_assert_max_num_queries(9) as small:
        owner_client.get("/", {"period": "90"})
    for i in range(30):
        c = CustomerFactory(business=business, created_at=timezone.now() - dt.timedelta(days=i))
        paid = PaymentFactory(customer=c, currency="INR" if i % 2 else "USD")
        RefundFactory(payment=paid)
        SubscriptionFactory(customer=c)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get("/", {"period": "90"})


def test_details_page_leads_with_the_money_summary(owner_client, customer):
    paid = PaymentFactory(customer=customer, total_amount=12000)
    RefundFactory(payment=paid, amount=2000)
    PaymentFactory(customer=customer, total_amount=50000, currency="INR")
    last = PaymentFactory(
        customer=customer, total_amount=900, status="failed", created_at=timezone.now()
    )
    SubscriptionFactory(customer=customer, recurring_pre_tax_amount=1500)
    SubscriptionFactory(customer=customer, recurring_pre_tax_amount=9000, status="cancelled")
    credit(customer, 700)
    html = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    money = html[html.index('id="money-title"') : html.index('id="about-title"')]
    assert "$100.00" in money and "$120.00 paid, $20.00 refunded" in money
    assert "₹500.00" in money
    assert "$15.00" in money and "1 active subscription" in money
    assert "$7.00" in money  # the wallet
    assert "$9.00" in money and "Failed" in money and last.pk in money  # the last payment


def test_details_query_count_does_not_grow(owner_client, customer, django_assert_max_num_queries):
    PaymentFactory(customer=customer)
    url = f"/customers/{customer.pk}/"
    with django_assert_max_num_queries(30) as small:
        owner_client.get(url)
    for _ in range(25):
        paid = PaymentFactory(customer=customer)
        RefundFactory(payment=paid)
        SubscriptionFactory(customer=customer)
        credit(customer, 100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)
