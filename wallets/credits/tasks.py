"""Credits' periodic work, run by beat (CELERY_BEAT_SCHEDULE): thin, they call the
services. Both are safe twice and on two workers (each balance or grant is locked)."""

import datetime as dt

from celery import shared_task

from wallets.credits.alerts import credits_remind_expiring
from wallets.credits.expiry import credits_expire


def _moment(now: str | None):
    return dt.datetime.fromisoformat(now) if now else None


@shared_task
def credits_expire_task(now: str | None = None) -> int:
    """Close due grants: roll over what the entitlement allows, expire the rest."""
    return credits_expire(now=_moment(now))


@shared_task
def credits_remind_task(now: str | None = None) -> int:
    """E-mail customers whose credits expire within 7 days."""
    return credits_remind_expiring(now=_moment(now))
