"""The payment page, refunds, invoices and cancellations as the dashboard serves them
(customers.billing.views): isolation, permissions, forms, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Event, LicenseKey, Refund, Subscription
from tests.customers.helpers import detail
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)
from wallets.selectors import balance

pytestmark = pytest.mark.django_db


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
        "confirmed": "1",  # the confirmation step's submit
    }


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


def billing_objects(customer) -> tuple:
    """A payment of the customer's with a refund, a subscription and a license key."""
    payment = PaymentFactory(customer=customer)
    return (
        payment,
        RefundFactory(payment=payment),
        SubscriptionFactory(customer=customer),
        LicenseKeyFactory(customer=customer),
    )


@pytest.fixture
def foreign_objects(other_business):
    return billing_objects(CustomerFactory(business=other_business))


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
    return billing_objects(customer)


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


def test_refund_is_confirmed_with_the_amount_as_read_before_money_moves(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=250000)
    typed = refund_form(owner_client, payment) | {"amount": "1,250", "confirmed": ""}
    response = owner_client.post(refund_url(payment), typed)
    page = response.content.decode()
    assert response.status_code == 200 and "Confirm this refund" in page
    assert "$1,250.00" in page and "Original payment method" in page
    assert Refund.objects.count() == 0
    back = owner_client.post(refund_url(payment), typed | {"back": "1"}).content.decode()
    assert 'value="1,250"' in back and "Confirm this refund" not in back
    response = owner_client.post(refund_url(payment), typed | {"confirmed": "1"}, follow=True)
    assert Refund.objects.get().amount == 125000
    assert "Refunded $1,250.00 to the original payment method" in response.content.decode()


def test_refund_form_says_the_reason_limit(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    page = owner_client.get(refund_url(payment)).content.decode()
    assert "Up to 3,000 characters" in page and 'maxlength="3000"' in page


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
        ("abc", "Enter an amount with digits only, such as 12.50"),
        ("12,50", "is ambiguous here"),
        ("1e3", "Enter an amount with digits only"),
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


def test_refund_form_to_the_wallet(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    form = owner_client.get(refund_url(payment)).content.decode()
    assert "Customer wallet (USD)" in form
    data = refund_form(owner_client, payment) | {"amount": "5.00", "destination": "wallet"}
    response = owner_client.post(refund_url(payment), data, follow=True)
    assert "Refunded $5.00 to the customer&#x27;s USD wallet" in response.content.decode()
    assert Refund.objects.get().destination == "wallet"
    assert balance(customer, "USD") == 500


def test_fully_refunded_payment_has_no_refund_form(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    data = refund_form(owner_client, payment)
    owner_client.post(refund_url(payment), data)
    response = owner_client.get(refund_url(payment), follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/payments/{payment.pk}/")
    assert "already been refunded in full" in response.content.decode()


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


def test_payment_page_query_count_does_not_grow_with_refunds(
    owner_client, customer, django_assert_max_num_queries
):
    payment = PaymentFactory(customer=customer, total_amount=100000)
    url = reverse("customers:payment_detail", args=[customer.pk, payment.pk])

    def refund():
        RefundFactory(payment=payment)

    refund()
    with django_assert_max_num_queries(12) as small:
        owner_client.get(url)
    for _ in range(5):
        refund()
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)


# --- Subscriptions ----------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("language", "cycles", "expected"),
    [("en", 1, "20% off 1 renewal"), ("en", 2, "20% off 2 renewals"), ("ko", 2, None)],
)
def test_the_subscriptions_tab_says_how_long_a_discount_lasts(
    owner_client, customer, language, cycles, expected
):
    from django.utils import translation
    from django.utils.translation import ngettext

    SubscriptionFactory(customer=customer, discount_percent=20, discount_cycles_remaining=cycles)
    owner_client.cookies["django_language"] = language
    html = owner_client.get(detail(customer, tab="subscriptions")).content.decode()
    if expected is None:  # the Korean catalogue's own words
        with translation.override(language):
            expected = ngettext(
                "%(percent)s%% off %(cycles)s renewal",
                "%(percent)s%% off %(cycles)s renewals",
                cycles,
            ) % {"percent": 20, "cycles": cycles}
        assert "renewal" not in expected
    assert expected in html
