"""The outbox: a change's Event becomes a webhook message and its deliveries in the
same transaction, with `data` exactly as the API returns the object."""

import json

import pytest
from django.db import transaction

from customers import services as customer_services
from customers.audit import Actor, event_record
from customers.billing.refunds import refund_create
from customers.models import Refund, WebhookDelivery, WebhookMessage
from tests.api.conftest import make_key
from tests.customers.webhooks.conftest import make_endpoint
from tests.portal.conftest import make_payment
from wallets.services import ledger_post

SYSTEM = Actor.system("tests")
pytestmark = pytest.mark.django_db


def body(message) -> dict:
    return json.loads(message.body)


def api_get(client, business, path) -> dict:
    key = make_key(business, name="reader")
    response = client.get(f"/api{path}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    return response.json()


def new_customer(business, email="grace@example.com"):
    return customer_services.customer_create(
        business=business, actor=SYSTEM, name="Grace Hopper", email=email
    )


def test_customer_created_is_a_message_with_the_apis_customer(client, business, endpoint):
    grace = new_customer(business)
    message = WebhookMessage.objects.get()
    payload = body(message)
    assert message.id.startswith("msg_")
    assert set(payload) == {"business_id", "type", "timestamp", "data"}
    assert payload["business_id"] == business.pk
    assert payload["type"] == "customer.created"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"] == api_get(client, business, f"/customers/{grace.pk}")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint_id, delivery.status) == (endpoint.pk, "pending")


def test_a_refund_payload_is_the_apis_refund(client, business, customer, endpoint):
    payment = make_payment(customer)
    refund = refund_create(
        payment=payment, amount=500, reason="Damaged", destination="wallet", actor=SYSTEM
    )
    assert refund.status == Refund.Status.SUCCEEDED
    message = WebhookMessage.objects.get(type="refund.succeeded")
    assert body(message)["data"] == api_get(client, business, f"/refunds/{refund.pk}")
    # The wallet credit the refund made is a message too, in the same transaction.
    credited = body(WebhookMessage.objects.get(type="customer.wallet.credited"))
    assert credited["data"]["entry"]["reference_object_id"] == refund.pk


def test_a_wallet_credit_carries_the_entry_and_the_wallet_after_it(business, customer, endpoint):
    for amount in (1000, 250):
        ledger_post(
            business=business,
            customer=customer,
            currency="USD",
            amount=amount,
            direction="credit",
            event_type="merchant_adjustment",
            reason="Goodwill",
            actor=SYSTEM,
        )
    last = body(WebhookMessage.objects.order_by("created_at", "id").last())
    assert last["type"] == "customer.wallet.credited"
    entry, wallet = last["data"]["entry"], last["data"]["wallet"]
    assert (entry["amount"], entry["before_balance"], entry["after_balance"]) == (250, 1000, 1250)
    assert entry["is_credit"] is True and entry["id"].startswith("wle_")
    assert (wallet["balance"], wallet["currency"], wallet["customer_id"]) == (
        1250,
        "USD",
        customer.pk,
    )


def test_filters_disabled_endpoints_and_other_businesses(business, other_business, receiver):
    refunds_only = make_endpoint(business, receiver.url, filter_types=["refund.succeeded"])
    every = make_endpoint(business, receiver.url)
    make_endpoint(business, receiver.url, disabled=True)
    make_endpoint(other_business, receiver.url)
    new_customer(business)
    assert [d.endpoint_id for d in WebhookDelivery.objects.all()] == [every.pk]
    assert refunds_only.wants("refund.succeeded") and not refunds_only.wants("customer.created")


def test_a_rolled_back_change_writes_no_message(business, endpoint):
    with pytest.raises(RuntimeError), transaction.atomic():
        new_customer(business)
        raise RuntimeError("the change fails after its Event")
    assert not WebhookMessage.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_without_endpoints_an_event_costs_one_indexed_query(
    business, customer, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the Event INSERT and the endpoint lookup
        event_record(customer, type="customer.updated", actor=SYSTEM)
    with django_assert_num_queries(1):  # not a webhook type: no lookup at all
        event_record(customer, type="portal.login", actor=SYSTEM)
    assert not WebhookMessage.objects.exists()


def test_events_that_are_not_webhooks_send_nothing(business, customer, endpoint):
    event_record(customer, type="customer.email_change_requested", actor=SYSTEM)
    assert not WebhookMessage.objects.exists()


def test_the_commit_starts_delivery(
    business, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_customer(business)
    assert len(receiver.of_type("customer.created")) == 1
    assert WebhookDelivery.objects.get().status == "succeeded"
