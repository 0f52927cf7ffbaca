"""The worker's side, run in-process: signed POSTs, Dodo's retry schedule, order per
endpoint, the lease, disabling after 5 days of failures, replay."""

import datetime as dt

import pytest
from django.utils import timezone
from dodopayments import DodoPayments

from customers.audit import Actor
from customers.models import EmailLog, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from customers.webhooks.delivery import LEASE, endpoint_send, endpoints_due, retry_delay
from customers.webhooks.outbox import message_send
from customers.webhooks.services import (
    webhook_delivery_replay,
    webhook_headers_update,
    webhook_secret_rotate,
)
from customers.webhooks.tasks import webhooks_sweep_task

SYSTEM = Actor.system("tests")
pytestmark = pytest.mark.django_db
DODO_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]


def queue(endpoint, webhook_type="customer.created", data=None):
    return message_send(
        business_id=endpoint.business_id,
        webhook_type=webhook_type,
        data=data or {"n": 1},
        endpoints=[endpoint],
    )


def unwrap(request, secret):
    sdk = DodoPayments(bearer_token="unused", base_url="http://127.0.0.1:9/api")
    return sdk.webhooks.unwrap(request.body, headers=request.headers, key=secret)


def test_the_schedule_is_dodos():
    assert [retry_delay(n) for n in range(1, 9)] == [*DODO_DELAYS, None]


def test_a_delivery_is_signed_and_verifies_with_the_official_client(endpoint, receiver):
    webhook_headers_update(
        endpoint=endpoint, actor=SYSTEM, headers={"X-Team": "billing", "webhook-id": "forged"}
    )
    message = queue(endpoint)
    assert endpoint_send(endpoint_id=endpoint.pk) is None
    request = receiver.requests[0]
    assert request.headers["webhook-id"] == message.pk
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-team"] == "billing"
    assert unwrap(request, endpoint.secret).type == "customer.created"
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.succeeded, attempt.event_type) == (
        200,
        True,
        "customer.created",
    )
    assert endpoint.secret not in str(vars(attempt))


def test_failures_follow_the_schedule_with_the_same_webhook_id(endpoint, receiver):
    receiver.answers = [500] * 8
    message = queue(endpoint)
    now = timezone.now()
    waits = []
    for _try in range(8):
        wait = endpoint_send(endpoint_id=endpoint.pk, now=now)
        if wait is not None:
            waits.append(round(wait))
            now += dt.timedelta(seconds=wait)
    assert waits == DODO_DELAYS
    assert {r.headers["webhook-id"] for r in receiver.requests} == {message.pk}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 8, 500)
    log = list(WebhookAttempt.objects.order_by("id"))
    assert [a.next_attempt_at is None for a in log] == [False] * 7 + [True]


def test_a_2xx_after_failures_ends_the_delivery(endpoint, receiver):
    receiver.answers = [500, 503]
    queue(endpoint)
    now = timezone.now()
    while (wait := endpoint_send(endpoint_id=endpoint.pk, now=now)) is not None:
        now += dt.timedelta(seconds=wait)
    assert len(receiver.requests) == 3
    assert WebhookDelivery.objects.get().status == "succeeded"
    assert WebhookEndpoint.objects.get().failing_since is None


def test_messages_reach_an_endpoint_in_order(endpoint, receiver):
    receiver.answers = [500]
    first, second = queue(endpoint, data={"n": 1}), queue(endpoint, data={"n": 2})
    wait = endpoint_send(endpoint_id=endpoint.pk)
    assert round(wait) == 5  # the second waits behind the first's retry
    assert [r.headers["webhook-id"] for r in receiver.requests] == [first.pk]
    endpoint_send(endpoint_id=endpoint.pk, now=timezone.now() + dt.timedelta(seconds=6))
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [first.pk, first.pk, second.pk]


def test_a_leased_endpoint_is_left_to_its_worker(endpoint, receiver):
    queue(endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(lease_until=timezone.now() + LEASE)
    assert endpoint_send(endpoint_id=endpoint.pk) is None
    assert receiver.requests == []
    assert endpoints_due(now=timezone.now()) == []
    later = timezone.now() + LEASE + dt.timedelta(seconds=1)  # the worker died
    assert endpoints_due(now=later) == [endpoint.pk]
    endpoint_send(endpoint_id=endpoint.pk, now=later)
    assert len(receiver.requests) == 1


def test_the_sweep_sends_what_is_due(endpoint, receiver):
    receiver.answers = [500]
    queue(endpoint)
    endpoint_send(endpoint_id=endpoint.pk)
    assert webhooks_sweep_task(now=timezone.now().isoformat()) == 0
    later = (timezone.now() + dt.timedelta(seconds=6)).isoformat()
    assert webhooks_sweep_task(now=later) == 1
    # (eager: the sweep's task ran with the real clock, so the retry is still waiting)
    assert WebhookDelivery.objects.get().status == "pending"


def test_five_days_of_failures_disable_the_endpoint_and_tell_the_owners(endpoint, receiver, owner):
    receiver.answers = [500] * 3
    queue(endpoint)
    start = timezone.now()
    endpoint_send(endpoint_id=endpoint.pk, now=start)
    assert WebhookEndpoint.objects.get().failing_since == start
    endpoint_send(endpoint_id=endpoint.pk, now=start + dt.timedelta(days=4, hours=23))
    assert not WebhookEndpoint.objects.get().disabled
    queue(endpoint)
    endpoint_send(endpoint_id=endpoint.pk, now=start + dt.timedelta(days=5, minutes=1))
    assert WebhookEndpoint.objects.get().disabled
    mail = EmailLog.objects.get(email_type="webhook_endpoint_disabled")
    assert mail.recipient == owner.email and endpoint.url in mail.body
    assert endpoint.secret not in mail.body


def test_replay_sends_the_same_message_again(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    message = queue(endpoint)
    endpoint_send(endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_replay(delivery=delivery, actor=SYSTEM)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [message.pk, message.pk]
    assert WebhookAttempt.objects.count() == 2


def test_after_a_rotation_deliveries_verify_with_both_secrets(endpoint, receiver):
    old = endpoint.secret
    rotated = webhook_secret_rotate(endpoint=endpoint, actor=SYSTEM)
    queue(endpoint)
    endpoint_send(endpoint_id=endpoint.pk)
    request = receiver.requests[0]
    assert unwrap(request, old) and unwrap(request, rotated.secret)


def test_a_private_url_fails_its_attempts_when_not_allowed(endpoint, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    queue(endpoint)
    endpoint_send(endpoint_id=endpoint.pk)
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("refused:")
