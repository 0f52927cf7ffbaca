"""Webhook tasks: thin and safe twice (the endpoint lease decides who sends)."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from customers.webhooks.delivery import endpoint_send, endpoints_due


@shared_task(bind=True, acks_late=True, ignore_result=True)
def webhook_endpoint_send(self, endpoint_id: str) -> None:
    """Send one endpoint's due messages in order. A retry due within
    `WEBHOOK_COUNTDOWN_MAX_SECONDS` is scheduled on the broker; longer waits are left
    to the beat sweep, so hours-long delays never sit on the broker."""
    wait = endpoint_send(endpoint_id=endpoint_id)
    if wait is None or self.app.conf.task_always_eager:
        return  # eager (tests): time is moved by calling the sweep with `now`
    if wait <= settings.WEBHOOK_COUNTDOWN_MAX_SECONDS:
        self.apply_async(args=[endpoint_id], countdown=wait)


@shared_task(ignore_result=True)
def webhooks_sweep_task(now: str | None = None) -> int:
    """Beat: start a sender for every endpoint with a delivery due (retries that waited
    longer than a countdown, and anything a crash left behind)."""
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    ids = endpoints_due(now=moment)
    for endpoint_id in ids:
        webhook_endpoint_send.delay(endpoint_id)
    return len(ids)
