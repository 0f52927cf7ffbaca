"""Billing's periodic work, run by beat (CELERY_BEAT_SCHEDULE)."""

import datetime as dt

from celery import shared_task

from customers.billing.reminders import renewal_reminders_send
from customers.billing.subscriptions import subscriptions_bill_due


@shared_task
def subscriptions_bill_due_task(now: str | None = None) -> dict:
    """Renew what is due. Safe twice and on two workers at once: each renewal locks its
    subscription and a period can be paid only once."""
    run = subscriptions_bill_due(now=dt.datetime.fromisoformat(now) if now else None)
    return vars(run)


@shared_task
def reminders_send_task(now: str | None = None) -> int:
    """Upcoming-renewal e-mails; safe twice (one reminder row per subscription period)."""
    return renewal_reminders_send(now=dt.datetime.fromisoformat(now) if now else None)
