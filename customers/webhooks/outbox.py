"""The outbox: an Event that maps to a webhook type becomes a message and one delivery
per matching endpoint, written in the Event's own transaction.

`event_record` sends `event_recorded` inside the caller's transaction; the receiver
here looks up the business's enabled endpoints (one indexed query — all the cost an
event has when the business has none), snapshots the body, and enqueues the sender
for each endpoint once the transaction commits. A rolled-back change sends nothing.
"""

import json

from django.dispatch import receiver
from django.utils import timezone

from customers.audit import event_recorded
from customers.core.tasks import enqueue_on_commit
from customers.models import Event, WebhookDelivery, WebhookEndpoint, WebhookMessage
from customers.webhooks.events import webhook_data, webhook_type_of
from customers.webhooks.tasks import webhook_endpoint_send


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def message_send(
    *,
    business_id: str,
    webhook_type: str,
    data: dict,
    endpoints: list[WebhookEndpoint],
    event_id: str = "",
    timestamp=None,
) -> WebhookMessage:
    """Write one message (the exact body) and a delivery to each of `endpoints`."""
    timestamp = timestamp or timezone.now()
    body = json.dumps(
        {
            "business_id": business_id,
            "type": webhook_type,
            "timestamp": iso(timestamp),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    message = WebhookMessage.objects.create(
        business_id=business_id, event_id=event_id, type=webhook_type, body=body
    )
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                business_id=business_id, endpoint=endpoint, message=message, next_attempt_at=now
            )
            for endpoint in endpoints
        ]
    )
    for endpoint in endpoints:
        enqueue_on_commit(webhook_endpoint_send, endpoint.pk)
    return message


@receiver(event_recorded, sender=Event, dispatch_uid="customers.webhooks.outbox")
def on_event_recorded(sender, *, event: Event, subject, **kwargs) -> None:
    webhook_type = webhook_type_of(event)
    if webhook_type is None:
        return
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            business_id=event.business_id, disabled=False
        ).only("id", "filter_types")
        if endpoint.wants(webhook_type)
    ]
    if not endpoints:
        return
    message_send(
        business_id=event.business_id,
        webhook_type=webhook_type,
        data=webhook_data(webhook_type, subject),
        endpoints=endpoints,
        event_id=event.pk,
        timestamp=event.created_at,
    )
