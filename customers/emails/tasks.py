"""The e-mail task: thin, idempotent (sending claims the row), retried with backoff."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from customers.core.tasks import backoff
from customers.emails.delivery import email_deliver, email_give_up, emails_stale


@shared_task(bind=True, max_retries=None, acks_late=True)
def email_send(self, email_id: str) -> None:
    """Send one queued e-mail; retried with backoff (`EMAIL_MAX_RETRIES` times, about
    ten minutes by default), then left `failed` and the task recorded as failed."""
    try:
        email_deliver(email_id=email_id)
    except Exception as exc:
        if self.request.retries >= settings.EMAIL_MAX_RETRIES:
            email_give_up(email_id=email_id)
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


@shared_task
def emails_requeue_stale_task(now: str | None = None) -> int:
    """Beat: send again what a crash left queued (see `emails_stale`)."""
    ids = emails_stale(now=dt.datetime.fromisoformat(now) if now else timezone.now())
    for pk in ids:
        email_send.delay(pk)
    return len(ids)
