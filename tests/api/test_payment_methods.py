"""Payment methods and update-payment-method through the official client against a
live server (a subscription in dunning recovers), and bad input, read-only keys and
other businesses' rows through Django's client."""

import datetime as dt

import pytest
from django.utils import timezone
from dodopayments import DodoPayments, NotFoundError, UnprocessableEntityError

from customers.audit import Actor
from customers.billing import payment_methods, subscriptions
from customers.billing.gateway import BuiltinGateway
from customers.models import Dunning, LicenseKey, SavedPaymentMethod, Subscription
from tests.factories import CustomerFactory, LicenseKeyFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def save(customer, number="4242424242424242", **kw):
    return payment_methods.payment_method_add(
        customer=customer,
        gateway=BuiltinGateway(),
        actor=Actor.system("test"),
        card_number=number,
        expiry_month=9,
        expiry_year=2031,
        holder_name="Ada Lovelace",
        **kw,
    )


@pytest.fixture
def in_dunning(customer):
    """A subscription whose renewal was declined (insufficient funds), with its key."""
    start = timezone.now() - dt.timedelta(days=32)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")
    key = LicenseKeyFactory(customer=customer, subscription=sub)
    save(customer, "4000000000009995")
    subscriptions.subscriptions_bill_due()
    assert Dunning.objects.open().filter(subscription=sub).exists()
    return sub, key


@pytest.mark.django_db(transaction=True)
def test_the_official_client_lists_removes_and_recovers(live_server, api_key, in_dunning):
    sub, key = in_dunning
    client = DodoPayments(
        bearer_token=api_key,
        base_url=live_server.url + "/api",
        max_retries=0,
        _strict_response_validation=True,
    )
    good = save(sub.customer, "5555 5555 5555 4444")
    upi = payment_methods.payment_method_add(
        customer=sub.customer,
        gateway=BuiltinGateway(),
        actor=Actor.system("test"),
        upi_handle="success@upi",
    )
    listed = client.customers.retrieve_payment_methods(sub.customer_id).items
    assert [m.payment_method_id for m in listed][0] != good.pk  # the default comes first
    by_id = {m.payment_method_id: m for m in listed}
    card = by_id[good.pk]
    assert card.payment_method == "card" and card.recurring_enabled is True
    assert (card.card.card_network, card.card.last4_digits) == ("mastercard", "4444")
    assert (card.card.expiry_month, card.card.expiry_year) == ("09", "2031")
    assert card.card.card_holder_name == "Ada Lovelace"
    assert card.card.card_issuing_country == "US"
    assert by_id[upi.pk].payment_method == "upi" and by_id[upi.pk].card is None

    # A new method: a portal link where the customer adds it.
    answer = client.subscriptions.update_payment_method(sub.pk, payment_method={"type": "new"})
    assert "/portal/session/" in answer.payment_link and answer.expires_on is not None

    # An existing one pays the dues at once; the keys come back.
    answer = client.subscriptions.update_payment_method(
        sub.pk, payment_method={"type": "existing", "payment_method_id": good.pk}
    )
    assert answer.payment_id.startswith("pay_")
    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "active" and key.status == LicenseKey.Status.ACTIVE
    assert client.subscriptions.retrieve(sub.pk).status == "active"

    client.customers.delete_payment_method(upi.pk, customer_id=sub.customer_id)
    assert upi.pk not in {
        m.payment_method_id
        for m in client.customers.retrieve_payment_methods(sub.customer_id).items
    }
    with pytest.raises(NotFoundError):
        client.customers.delete_payment_method(upi.pk, customer_id=sub.customer_id)


@pytest.mark.django_db(transaction=True)
def test_a_declining_method_is_a_clear_422(live_server, api_key, in_dunning):
    sub, _key = in_dunning
    client = DodoPayments(bearer_token=api_key, base_url=live_server.url + "/api", max_retries=0)
    declining = SavedPaymentMethod.objects.get(card_last_four="9995")
    with pytest.raises(UnprocessableEntityError) as exc_info:
        client.subscriptions.update_payment_method(
            sub.pk, payment_method={"type": "existing", "payment_method_id": declining.pk}
        )
    assert exc_info.value.body["code"] == "PAYMENT_DECLINED"
    assert Dunning.objects.get().attempts == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "old"},
        {"type": "existing"},
        {"type": "existing", "payment_method_id": "x" * 80},
        {"type": "new", "return_url": "javascript:alert(1)"},
        {"type": "new", "allowed_payment_method_types": ["Credit Card!"]},
        "pm_123",
        [],
    ],
)
def test_bad_bodies_are_422(api, billing, body):
    response = api.post(f"/subscriptions/{billing['subscription'].pk}/update-payment-method", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"]


@pytest.mark.django_db
def test_other_businesses_methods_and_subscriptions_are_404(api, billing, other_business):
    stranger = CustomerFactory(business=other_business)
    theirs = save(stranger)
    ours = billing["subscription"]
    assert api.get(f"/customers/{stranger.pk}/payment-methods").status_code == 404
    response = api.client.delete(
        f"/api/customers/{stranger.pk}/payment-methods/{theirs.pk}",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 404
    # Their method cannot be put on our subscription either.
    body = {"type": "existing", "payment_method_id": theirs.pk}
    assert api.post(f"/subscriptions/{ours.pk}/update-payment-method", body).status_code == 404
    assert SavedPaymentMethod.objects.usable().filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_read_only_keys_cannot_remove_or_update(client, billing, read_only_key, customer):
    method = save(customer)
    headers = {"Authorization": f"Bearer {read_only_key}"}
    listed = client.get(f"/api/customers/{customer.pk}/payment-methods", headers=headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    response = client.delete(
        f"/api/customers/{customer.pk}/payment-methods/{method.pk}", headers=headers
    )
    assert response.status_code == 403
    assert SavedPaymentMethod.objects.usable().count() == 1


@pytest.mark.django_db
def test_an_ended_subscription_is_409(api, billing):
    sub = billing["subscription"]
    Subscription.objects.filter(pk=sub.pk).update(status="cancelled")
    body = {"type": "new"}
    response = api.post(f"/subscriptions/{sub.pk}/update-payment-method", body)
    assert response.status_code == 409
