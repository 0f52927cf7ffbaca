"""The details page's tabs, the payment page, refunds, cancellations and key actions
as the dashboard serves them: fragments, isolation, permissions, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Event, LicenseKey, Payment, Refund, Subscription
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    LicenseKeyInstanceFactory,
    PaymentFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def detail(customer, **params) -> str:
    url = reverse("customers:detail", args=[customer.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def refund_url(payment) -> str:
    return reverse("customers:refund_create", args=[payment.customer_id, payment.pk])


def refund_form(client, payment) -> dict:
    """The refund form's initial values, its one-time token included."""
    form = client.get(refund_url(payment)).context["form"]
    return {
        "amount": form.initial["amount"],
        "reason": "",
        "destination": "original_payment_method",
        "token": form.initial["token"],
    }


# --- Tabs -------------------------------------------------------------------------


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
    PaymentFactory(customer=customer, status="failed", created_at=now - dt.timedelta(minutes=2))
    PaymentFactory(customer=customer, status="processing", created_at=now - dt.timedelta(minutes=3))
    full = PaymentFactory(customer=customer, created_at=now - dt.timedelta(minutes=4))
    part = PaymentFactory(customer=customer, created_at=now - dt.timedelta(minutes=5))
    for payment, amount in ((full, 2500), (part, 100)):
        Refund.objects.create(
            business=payment.business,
            payment=payment,
            customer=customer,
            amount=amount,
            currency="USD",
            status="succeeded",
        )
    expected = {
        "successful": [ok.pk],
        "failed": [],
        "pending": [],
        "refunded": [full.pk],
        "partially_refunded": [part.pk],
    }
    for status, ids in expected.items():
        response = owner_client.get(detail(customer, tab="transactions", status=status))
        got = [p.pk for p in response.context["payments"]]
        if ids:
            assert got == ids, status
        assert set(_badge_statuses(response)) <= {status}
    everything = owner_client.get(detail(customer))
    assert len(everything.context["payments"]) == 5
    html = everything.content.decode()
    for label in ("Successful", "Failed", "Pending", "Refunded", "Partially refunded"):
        assert label in html


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


def test_license_keys_tab_masks_and_reveals(owner_client, customer):
    key = LicenseKeyFactory(customer=customer, key="db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0")
    LicenseKeyInstanceFactory(license_key=key, name="work-laptop")
    html = owner_client.get(detail(customer, tab="license-keys")).content.decode()
    assert "••••-••••-c8c0" in html
    assert "db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0" in html  # inside the <details> reveal
    assert "work-laptop" in html and "1 instance" in html


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
    with django_assert_max_num_queries(12) as small:
        owner_client.get(detail(customer, tab=tab))
    make(customer, 9)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(detail(customer, tab=tab))


# --- Isolation and permissions ----------------------------------------------------


def _urls(payment, refund, sub, key) -> list[tuple[str, str]]:
    c = payment.customer_id
    return [
        ("get", reverse("customers:payment_detail", args=[c, payment.pk])),
        ("get", reverse("customers:refund_create", args=[c, payment.pk])),
        ("post", reverse("customers:refund_create", args=[c, payment.pk])),
        ("get", reverse("customers:payment_invoice", args=[c, payment.pk])),
        ("get", reverse("customers:refund_receipt", args=[c, refund.pk])),
        ("get", reverse("customers:subscription_cancel", args=[c, sub.pk])),
        ("post", reverse("customers:subscription_cancel", args=[c, sub.pk])),
        ("post", reverse("customers:subscription_revoke_cancellation", args=[c, sub.pk])),
        ("post", reverse("customers:license_key_status", args=[c, key.pk])),
        ("post", reverse("customers:license_key_limit", args=[c, key.pk])),
    ]


@pytest.fixture
def foreign_objects(other_business):
    customer = CustomerFactory(business=other_business)
    payment = PaymentFactory(customer=customer)
    refund = Refund.objects.create(
        business=other_business,
        payment=payment,
        customer=customer,
        amount=100,
        currency="USD",
        status="succeeded",
    )
    return (
        payment,
        refund,
        SubscriptionFactory(customer=customer),
        LicenseKeyFactory(customer=customer),
    )


def test_another_business_objects_are_404_everywhere(owner_client, foreign_objects):
    payment = foreign_objects[0]
    assert owner_client.get(detail(payment.customer)).status_code == 404
    for method, url in _urls(*foreign_objects):
        response = getattr(owner_client, method)(url, {"action": "disable"})
        assert response.status_code == 404, url
    assert Refund.objects.count() == 1
    assert LicenseKey.objects.get().status == "active"


def test_objects_of_another_customer_are_404_under_this_one(owner_client, business, customer):
    other = CustomerFactory(business=business)
    payment = PaymentFactory(customer=other)
    url = reverse("customers:payment_detail", args=[customer.pk, payment.pk])
    assert owner_client.get(url).status_code == 404


@pytest.fixture
def own_objects(customer):
    payment = PaymentFactory(customer=customer)
    refund = Refund.objects.create(
        business=customer.business,
        payment=payment,
        customer=customer,
        amount=100,
        currency="USD",
        status="succeeded",
    )
    return (
        payment,
        refund,
        SubscriptionFactory(customer=customer),
        LicenseKeyFactory(customer=customer),
    )


def test_viewers_see_but_cannot_refund_cancel_or_change_keys(viewer_client, own_objects):
    payment, refund, sub, key = own_objects
    for method, url in _urls(*own_objects):
        response = getattr(viewer_client, method)(url, {"action": "disable"})
        if "refund/" in url or "cancel" in url or "license-keys" in url:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url
    assert Refund.objects.count() == 1
    assert Subscription.objects.get().status == "active"
    assert LicenseKey.objects.get().status == "active"
    html = viewer_client.get(detail(payment.customer)).content.decode()
    assert refund_url(payment) not in html


# --- Refund form ------------------------------------------------------------------


def test_refund_form_refunds_part_and_shows_it_on_the_payment(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    data = refund_form(owner_client, payment) | {"amount": "12.50", "reason": "Damaged"}
    response = owner_client.post(refund_url(payment), data)
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.is_partial, refund.reason) == (1250, True, "Damaged")
    page = owner_client.get(response["Location"]).content.decode()
    assert refund.pk[:13] in page and "Partially refunded" in page and "$12.50" in page
    assert Event.objects.filter(type="refund.succeeded", object_id=refund.pk).exists()


def test_refund_form_double_submit_refunds_once(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    data = refund_form(owner_client, payment) | {"amount": "10.00"}
    assert owner_client.post(refund_url(payment), data).status_code == 302
    assert owner_client.post(refund_url(payment), data).status_code == 302
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("25.01", "At most $25.00 is left"),
        ("abc", "Enter an amount such as 12.50"),
        ("1.234", "at most 2 decimal places"),
        ("", "This field is required"),
    ],
)
def test_bad_refund_amounts_are_form_errors_and_write_nothing(
    owner_client, customer, amount, message
):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    data = refund_form(owner_client, payment) | {"amount": amount}
    response = owner_client.post(refund_url(payment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Refund.objects.count() == 0
    assert not Event.objects.filter(type__startswith="refund").exists()


def test_too_many_decimals_depends_on_the_currency(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=5000, currency="JPY")
    data = refund_form(owner_client, payment) | {"amount": "10.5"}
    response = owner_client.post(refund_url(payment), data)
    assert "JPY amounts have at most 0 decimal places" in response.content.decode()
    assert Refund.objects.count() == 0


def test_refund_of_a_failed_or_old_payment_is_refused(owner_client, customer):
    failed = PaymentFactory(customer=customer, status="failed")
    response = owner_client.get(refund_url(failed), follow=True)
    assert "Only a successful payment can be refunded" in response.content.decode()
    old = PaymentFactory(customer=customer, created_at=timezone.now() - dt.timedelta(days=31))
    response = owner_client.get(refund_url(old), follow=True)
    assert "older than the refund window" in response.content.decode()
    assert Refund.objects.count() == 0


def test_refund_form_from_the_tab_returns_to_the_tab(owner_client, customer):
    payment = PaymentFactory(customer=customer)
    data = refund_form(owner_client, payment) | {"next": "tab"}
    response = owner_client.post(refund_url(payment), data)
    assert response["Location"] == detail(customer, tab="transactions")


# --- Payment page and invoices ----------------------------------------------------


def test_payment_detail_shows_everything(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2750, tax=250)
    html = owner_client.get(
        reverse("customers:payment_detail", args=[customer.pk, payment.pk])
    ).content.decode()
    for text in (
        payment.pk,
        "$27.50",
        "$2.50",
        "Visa ···· 4242",
        payment.product.name,
        "No refunds",
    ):
        assert text in html


def test_invoice_download_is_a_pdf(owner_client, customer):
    payment = PaymentFactory(customer=customer)
    response = owner_client.get(
        reverse("customers:payment_invoice", args=[customer.pk, payment.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_failed_payment_has_no_invoice(owner_client, customer):
    payment = PaymentFactory(customer=customer, status="failed")
    url = reverse("customers:payment_invoice", args=[customer.pk, payment.pk])
    assert owner_client.get(url).status_code == 404


# --- Subscriptions and keys -------------------------------------------------------


def test_cancel_at_next_billing_date_then_revoke(owner_client, customer):
    sub = SubscriptionFactory(customer=customer)
    url = reverse("customers:subscription_cancel", args=[customer.pk, sub.pk])
    response = owner_client.post(
        url, {"when": "next_billing_date", "feedback": "too_expensive", "comment": "Budget"}
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == "active" and sub.cancel_at_next_billing_date
    assert sub.cancellation_feedback == "too_expensive"
    html = owner_client.get(detail(customer, tab="subscriptions")).content.decode()
    assert "Cancels on" in html and "Keep subscription" in html
    owner_client.post(
        reverse("customers:subscription_revoke_cancellation", args=[customer.pk, sub.pk])
    )
    sub.refresh_from_db()
    assert not sub.cancel_at_next_billing_date


def test_cancel_now_disables_keys(owner_client, customer):
    sub = SubscriptionFactory(customer=customer)
    key = LicenseKeyFactory(customer=customer, subscription=sub, product=sub.product)
    url = reverse("customers:subscription_cancel", args=[customer.pk, sub.pk])
    owner_client.post(url, {"when": "now"})
    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "cancelled" and sub.cancelled_at is not None
    assert sub.cancelled_by_type == "merchant_user"
    assert (key.status, key.disabled_reason) == ("disabled", "subscription_cancelled")


def test_cancel_form_rejects_a_bad_choice(owner_client, customer):
    sub = SubscriptionFactory(customer=customer)
    url = reverse("customers:subscription_cancel", args=[customer.pk, sub.pk])
    response = owner_client.post(url, {"when": "tomorrow"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == "active" and not sub.cancel_at_next_billing_date


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


def test_payment_model_display_status():
    payment = Payment(status="requires_customer_action", total_amount=100)
    payment.refunded_amount = 0
    assert payment.display_status == "pending"


def test_refund_form_to_the_wallet(owner_client, customer):
    from wallets.selectors import balance

    payment = PaymentFactory(customer=customer, total_amount=2500)
    form = owner_client.get(refund_url(payment)).content.decode()
    assert "Customer wallet (USD)" in form
    data = refund_form(owner_client, payment) | {"amount": "5.00", "destination": "wallet"}
    owner_client.post(refund_url(payment), data)
    assert Refund.objects.get().destination == "wallet"
    assert balance(customer, "USD") == 500


def test_fully_refunded_payment_has_no_refund_form(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    data = refund_form(owner_client, payment)
    owner_client.post(refund_url(payment), data)
    response = owner_client.get(refund_url(payment), follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/payments/{payment.pk}/")
    assert "already been refunded in full" in response.content.decode()


def test_payment_page_query_count_does_not_grow_with_refunds(
    owner_client, customer, django_assert_max_num_queries
):
    payment = PaymentFactory(customer=customer, total_amount=100000)
    url = reverse("customers:payment_detail", args=[customer.pk, payment.pk])

    def refund():
        Refund.objects.create(
            business=customer.business,
            payment=payment,
            customer=customer,
            amount=100,
            currency="USD",
            status="succeeded",
        )

    refund()
    with django_assert_max_num_queries(12) as small:
        owner_client.get(url)
    for _ in range(5):
        refund()
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)
