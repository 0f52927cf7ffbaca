"""Billing's periodic work, run by beat (CELERY_BEAT_SCHEDULE)."""

import datetime as dt

from celery import shared_task

from customers.billing import auto_top_up, recovery
from customers.billing.gateway import get_gateway
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


@shared_task(name="billing.dunning_retries_run")
def dunning_retries_run_task(now: str | None = None) -> dict:
    """Retry the failed renewals whose time has come; cancel those past their window.
    Safe twice: a retry takes its slot under the subscription's lock."""
    return recovery.dunning_retries_run(
        now=dt.datetime.fromisoformat(now) if now else None, gateway=get_gateway()
    )


@shared_task(name="billing.gateway_attempts_reconcile")
def gateway_attempts_reconcile_task(now: str | None = None) -> int:
    """Finish the charges and refunds a crash left pending, by asking the gateway."""
    return recovery.gateway_attempts_reconcile(
        now=dt.datetime.fromisoformat(now) if now else None, gateway=get_gateway()
    )


@shared_task(
    name="billing.auto_top_up_run",
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def auto_top_up_run_task(run_id: int) -> str:
    """Buy the credit pack of one auto top-up run. Safe twice: a finished run is left
    alone and the purchase's idempotency key is the run's."""
    return auto_top_up.auto_top_up_run(run_id=run_id, gateway=get_gateway())
