"""The details page's tabs as the dashboard serves them (customers.billing.selectors'
transactions and subscriptions tabs, and the license keys tab beside them): fragments,
filters, pages, query counts; and on PostgreSQL, the indexes each tab reads."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from customers.billing import selectors
from customers.models import Customer, LicenseKey, Payment, Subscription
from tests.customers.helpers import detail, plan
from tests.factories import (
    LicenseKeyFactory,
    LicenseKeyInstanceFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def test_transactions_tab_is_the_default_and_lists_payments(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=1250)
    response = owner_client.get(detail(customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["tab"] == "transactions"
    assert payment.pk in html and "$12.50" in html and "Successful" in html
    assert "Visa ···· 4242" in html and customer.email in html
    assert "HX-Request" in response["Vary"]


def test_htmx_gets_only_the_tab_panel(owner_client, customer):
    SubscriptionFactory(customer=customer)
    response = owner_client.get(
        detail(customer, tab="subscriptions"), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="tab-panel"')
    assert "Pro plan" in body and "$10.00" in body


@pytest.mark.parametrize("tab", ["transactions", "subscriptions", "wallet", "license-keys"])
def test_every_tab_renders_without_javascript(owner_client, customer, tab):
    response = owner_client.get(detail(customer, tab=tab))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'class="tab is-active"' in html
    assert f'href="?tab={tab}"' in html


def test_unknown_tab_falls_back_to_transactions(owner_client, customer):
    assert owner_client.get(detail(customer, tab="nope")).context["tab"] == "transactions"


def test_wallet_tab_includes_the_wallet_apps_fragment(owner_client, customer):
    response = owner_client.get(detail(customer, tab="wallet"))
    names = [t.name for t in response.templates]
    assert "wallets/_wallet_tab.html" in names


def _badge_statuses(response) -> list[str]:
    return [p.display_status for p in response.context["payments"]]


def test_transactions_filter_by_status(owner_client, customer):
    now = timezone.now()
    ok = PaymentFactory(customer=customer, created_at=now - dt.timedelta(minutes=1))
    failed = PaymentFactory(
        customer=customer, status="failed", created_at=now - dt.timedelta(minutes=2)
    )
    pending = PaymentFactory(
        customer=customer, status="processing", created_at=now - dt.timedelta(minutes=3)
    )
    full = PaymentFactory(customer=customer, created_at=now - dt.timedelta(minutes=4))
    part = PaymentFactory(customer=customer, created_at=now - dt.timedelta(minutes=5))
    for payment, amount in ((full, 2500), (part, 100)):
        RefundFactory(payment=payment, amount=amount)
    expected = {
        "successful": [ok.pk],
        "failed": [failed.pk],
        "pending": [pending.pk],
        "refunded": [full.pk],
        "partially_refunded": [part.pk],
    }
    for status, ids in expected.items():
        response = owner_client.get(detail(customer, tab="transactions", status=status))
        got = [p.pk for p in response.context["payments"]]
        assert got == ids, status
        assert set(_badge_statuses(response)) == {status}
    everything = owner_client.get(detail(customer))
    assert len(everything.context["payments"]) == 5
    html = everything.content.decode()
    for label in ("Successful", "Failed", "Pending", "Refunded", "Partially refunded"):
        assert label in html
    for value in expected:  # the filter offers every status
        assert f'<option value="{value}"' in html, value


@pytest.mark.parametrize(
    ("tab", "status", "none", "no_match"),
    [
        ("transactions", "failed", "No payments yet", "No payments match"),
        ("subscriptions", "cancelled", "No active subscriptions", "No subscriptions match"),
        ("license-keys", "disabled", "No license keys", "No license keys match"),
    ],
)
def test_empty_tabs_say_whether_the_filter_or_the_customer_has_nothing(
    owner_client, customer, tab, status, none, no_match
):
    empty = owner_client.get(detail(customer, tab=tab)).content.decode()
    assert none in empty and no_match not in empty
    filtered = owner_client.get(detail(customer, tab=tab, status=status)).content.decode()
    assert no_match in filtered and "Try another status, or clear the filter." in filtered


def test_tabs_paginate(owner_client, customer):
    for minutes in range(23):
        PaymentFactory(customer=customer, created_at=timezone.now() - dt.timedelta(minutes=minutes))
    first = owner_client.get(detail(customer))
    assert len(first.context["payments"]) == 10
    third = owner_client.get(detail(customer, tab="transactions", page=3))
    assert len(third.context["payments"]) == 3
    assert "21–23 of 23" in third.content.decode()


def test_subscriptions_tab_shows_current_by_default(owner_client, customer):
    active = SubscriptionFactory(customer=customer)
    ended = SubscriptionFactory(customer=customer, status="cancelled")
    shown = owner_client.get(detail(customer, tab="subscriptions")).context["subscriptions"]
    assert [s.pk for s in shown] == [active.pk]
    every = owner_client.get(detail(customer, tab="subscriptions", status="all"))
    assert {s.pk for s in every.context["subscriptions"]} == {active.pk, ended.pk}
    only = owner_client.get(detail(customer, tab="subscriptions", status="cancelled"))
    assert [s.pk for s in only.context["subscriptions"]] == [ended.pk]


@pytest.mark.parametrize(
    ("tab", "make"),
    [
        ("transactions", lambda c, n: PaymentFactory.create_batch(n, customer=c)),
        ("subscriptions", lambda c, n: SubscriptionFactory.create_batch(n, customer=c)),
        (
            "license-keys",
            lambda c, n: [
                LicenseKeyInstanceFactory(license_key=LicenseKeyFactory(customer=c))
                for _ in range(n)
            ],
        ),
    ],
)
def test_tab_query_count_does_not_grow_with_rows(
    owner_client, customer, tab, make, django_assert_max_num_queries
):
    make(customer, 1)
    # 12 before issue 16; the money summary adds four, the timeline its e-mails.
    with django_assert_max_num_queries(18) as small:
        owner_client.get(detail(customer, tab=tab))
    make(customer, 9)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(detail(customer, tab=tab))


def test_payment_model_display_status():
    payment = Payment(status="requires_customer_action", total_amount=100)
    payment.refunded_amount = 0
    assert payment.display_status == "pending"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tabs_and_the_renewal_run_are_served_by_indexes():
    """Each tab finds the customer's rows through an index on the customer; the renewal
    run scans only the partial index of active subscriptions."""
    call_command("seed_demo", business="Plans Co", customers=1500, seed=3, stdout=io.StringIO())
    with connection.cursor() as cursor:
        for table in ("payment", "subscription", "licensekey", "refund"):
            cursor.execute(f"ANALYZE customers_{table}")
    customer = Customer.objects.filter(business__name="Plans Co").first()
    tabs = [
        selectors.customer_payments.queryset(
            business_id=customer.business_id, customer_id=customer.pk
        )[:10],
        Subscription.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:10],
        LicenseKey.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:10],
    ]
    for queryset in tabs:
        text = plan(queryset)
        assert "Seq Scan" not in text, text
        # e.g. payment_customer_created, or the customer foreign key's own index
        assert re.search(r"using \S*(payment|subscription|licensekey)_customer\S* on", text), text
    assert "subscription_due" in plan(Subscription.objects.due(timezone.now()))


def test_transactions_show_what_was_refunded_and_no_repeated_email(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    RefundFactory(payment=payment, amount=600)
    PaymentFactory(customer=customer, total_amount=1000)
    html = owner_client.get(detail(customer)).content.decode()
    table = html[html.index('id="payments-table"') :]
    assert "Partially refunded" in table and "−$6.00 refunded" in table
    assert customer.email not in table and "Customer e-mail" not in table


def test_payment_page_offers_the_invoice_once_and_states_status_plainly(owner_client, customer):
    payment = PaymentFactory(customer=customer)
    url = f"/customers/{customer.pk}/payments/{payment.pk}/"
    html = owner_client.get(url).content.decode()
    assert html.count("invoice.pdf") == 1
    assert "(succeeded)" not in html and "Successful" in html
