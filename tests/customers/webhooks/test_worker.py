"""Webhooks end to end: the official client against a live server, a real Celery worker
on Redis, and a receiver on 127.0.0.1 that verifies every delivery with
`client.webhooks.unwrap` (PostgreSQL and Redis; see tests/worker.py)."""

import pytest

from customers.models import Refund
from tests.api.conftest import make_key
from tests.api.test_sdk import sdk
from tests.portal.conftest import make_payment
from tests.worker import wait_for, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
FAST = {"WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "1", "WEBHOOK_RETRY_DELAYS": "1,1,1,1,1,1,1"}


@pytest.fixture
def client(live_server, business):
    return sdk(live_server, make_key(business))


def delivered(receiver, webhook_type, count=1):
    return wait_for(
        lambda: len(receiver.of_type(webhook_type)) >= count and receiver.of_type(webhook_type),
        timeout=30,
        what=f"{count} × {webhook_type} at the receiver",
    )


def test_customer_refund_and_wallet_events_reach_the_endpoint(client, receiver, customer, tmp_path):
    payment = make_payment(customer, total_amount=3000)
    with worker_process(tmp_path, **FAST):
        endpoint = client.webhooks.create(url=receiver.url, description="CI")
        secret = client.webhooks.retrieve_secret(endpoint.id).secret

        created = client.customers.create(email="grace@example.com", name="Grace Hopper")
        (request,) = delivered(receiver, "customer.created")
        event = client.webhooks.unwrap(request.body, headers=request.headers, key=secret)
        assert event.type == "customer.created"
        assert event.data.customer_id == created.customer_id

        refund = client.refunds.create(payment_id=payment.pk, reason="Damaged")
        assert Refund.objects.get().status == "succeeded"
        (request,) = delivered(receiver, "refund.succeeded")
        event = client.webhooks.unwrap(request.body, headers=request.headers, key=secret)
        assert event.data.refund_id == refund.refund_id
        assert event.data.amount == 3000

        client.customers.wallets.ledger_entries.create(
            customer.pk, amount=700, currency="USD", entry_type="credit", reason="Goodwill"
        )
        (request,) = delivered(receiver, "customer.wallet.credited")
        event = client.webhooks.unwrap(request.body, headers=request.headers, key=secret)
        assert event.business_id == customer.business_id
        data = event.model_dump()["data"]
        assert data["entry"]["amount"] == 700 and data["wallet"]["balance"] == 700


def test_a_receiver_failing_twice_gets_the_third_try_with_the_same_id(client, receiver, tmp_path):
    receiver.answers = [500, 500]
    with worker_process(tmp_path, **FAST):
        endpoint = client.webhooks.create(url=receiver.url)
        secret = client.webhooks.retrieve_secret(endpoint.id).secret
        client.customers.create(email="ada@example.com", name="Ada")
        requests = delivered(receiver, "customer.created", count=3)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.headers["webhook-timestamp"] for r in requests}) >= 2  # signed per try
    client.webhooks.unwrap(requests[-1].body, headers=requests[-1].headers, key=secret)


def test_a_rotated_secret_verifies_with_both_secrets(client, receiver, tmp_path):
    with worker_process(tmp_path, **FAST):
        endpoint = client.webhooks.create(url=receiver.url)
        old = client.webhooks.retrieve_secret(endpoint.id).secret
        new = client.post(f"/webhooks/{endpoint.id}/secret/rotate", cast_to=object)["secret"]
        client.customers.create(email="ada@example.com", name="Ada")
        (request,) = delivered(receiver, "customer.created")
    for key in (old, new):
        assert client.webhooks.unwrap(request.body, headers=request.headers, key=key)
