"""Billing events as webhook types: renewals (payment + subscription), failures,
cancellations and their scheduling; each `data` as the API returns the object."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from dodopayments.types import DunningRecoveredWebhookEvent, DunningStartedWebhookEvent

from customers.audit import Actor
from customers.billing import recovery, subscriptions
from customers.billing.gateway import BuiltinGateway
from customers.models import Dunning, WebhookDelivery, WebhookMessage
from tests.api.conftest import make_key
from tests.customers.billing.helpers import Declines
from tests.factories import SubscriptionFactory

SYSTEM = Actor.system("tests")
pytestmark = pytest.mark.django_db


def sent(webhook_type) -> dict:
    return json.loads(WebhookMessage.objects.get(type=webhook_type).body)


def api_get(client, business, path) -> dict:
    key = make_key(business, name="reader")
    return client.get(f"/api{path}", headers={"Authorization": f"Bearer {key}"}).json()


def test_a_renewal_sends_payment_succeeded_and_subscription_renewed(
    client, business, due, endpoint
):
    subscriptions.subscriptions_bill_due()
    payment = sent("payment.succeeded")["data"]
    answered = api_get(client, business, f"/payments/{payment['payment_id']}")
    # The invoice link carries a timed signature; the rest is the API's payment.
    assert payment.pop("invoice_url").split("?")[0] == answered.pop("invoice_url").split("?")[0]
    assert payment == answered
    assert payment["subscription_id"] == due.pk and payment["status"] == "succeeded"
    renewed = sent("subscription.renewed")["data"]
    assert renewed == api_get(client, business, f"/subscriptions/{due.pk}")


def test_a_failed_renewal_sends_payment_failed_and_on_hold(due, endpoint):
    subscriptions.subscriptions_bill_due(gateway=Declines())
    assert sent("payment.failed")["data"]["error_code"] == "card_declined"
    assert sent("subscription.on_hold")["data"]["status"] == "on_hold"


def test_cancellations(customer, endpoint):
    scheduled = SubscriptionFactory(customer=customer)
    subscriptions.subscription_cancel(
        subscription=scheduled, actor=SYSTEM, at_next_billing_date=True
    )
    assert sent("subscription.updated")["data"]["cancel_at_next_billing_date"] is True
    now = SubscriptionFactory(customer=customer)
    subscriptions.subscription_cancel(subscription=now, actor=SYSTEM, at_next_billing_date=False)
    data = sent("subscription.cancelled")["data"]
    assert (data["subscription_id"], data["status"]) == (now.pk, "cancelled")


def test_admin_replays_a_delivery(admin_client, business, endpoint, receiver):
    subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer__business=business),
        actor=SYSTEM,
        at_next_billing_date=False,
    )
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    response = admin_client.post(
        reverse("admin:customers_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    page = admin_client.get(reverse("admin:customers_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()


def test_dunning_started_and_recovered_carry_dodos_payload(due, endpoint):
    subscriptions.subscriptions_bill_due(gateway=Declines())
    started = DunningStartedWebhookEvent.model_validate(sent("dunning.started"))
    assert started.data.subscription_id == due.pk and started.data.status == "recovering"
    assert started.data.trigger_state == "on_hold" and started.data.customer_id == due.customer_id
    run = Dunning.objects.get()
    Dunning.objects.filter(pk=run.pk).update(next_retry_at=timezone.now())
    recovery.dunning_retries_run(gateway=BuiltinGateway())  # the card on file succeeds now
    recovered = DunningRecoveredWebhookEvent.model_validate(sent("dunning.recovered"))
    assert recovered.data.status == "recovered"
    assert recovered.data.payment_id == Dunning.objects.get().recovered_payment_id
    assert sent("subscription.active")["data"]["status"] == "active"
