"""Changing a subscription without cancelling it: pause, resume, and the fields of
`PATCH /subscriptions/{id}` (next billing date, metadata, billing address, tax ID,
name on invoices). Plan changes are `customers.billing.plan_changes`.

Pausing stops billing: the renewal run only bills `active` subscriptions. The period
the customer already paid for is not lost: resuming moves the next billing date
forward by the time spent paused (next = resumed_at + (next_at_pause − paused_at)),
so the customer gets the rest of the paid period after the pause. License keys stay
as they are while paused.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.core.errors import (
    InvalidNextBillingDate,
    SubscriptionNotActive,
    SubscriptionNotPaused,
)
from customers.models import Subscription

# How far ahead `next_billing_date` may be moved.
MAX_BILLING_DATE_AHEAD = dt.timedelta(days=5 * 366)


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("business", "customer", "product")
        .get(pk=subscription.pk)
    )


def subscription_pause(
    *, subscription: Subscription, actor: Actor, now: dt.datetime | None = None
) -> Subscription:
    """Pause an active subscription: no renewals until it is resumed."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = _locked(subscription)
        if sub.status != Subscription.Status.ACTIVE:
            raise SubscriptionNotActive()
        sub.status = Subscription.Status.PAUSED
        sub.paused_at = now
        sub.save()
        event_record(
            sub,
            type="subscription.paused",
            actor=actor,
            payload={"customer_id": sub.customer_id, "paused_at": now.isoformat()},
        )
    return sub


def resumed_billing_date(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The next billing date after resuming at `now`: the paid time left at the pause."""
    left = max(sub.next_billing_date - sub.paused_at, dt.timedelta(0))
    return now + left


def subscription_resume(
    *, subscription: Subscription, actor: Actor, now: dt.datetime | None = None
) -> Subscription:
    """Resume a paused subscription; billing restarts after the paid time that was left."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = _locked(subscription)
        if sub.status != Subscription.Status.PAUSED:
            raise SubscriptionNotPaused()
        paused_at = sub.paused_at
        sub.next_billing_date = resumed_billing_date(sub, now)
        sub.status = Subscription.Status.ACTIVE
        sub.paused_at = None
        sub.save()
        event_record(
            sub,
            type="subscription.resumed",
            actor=actor,
            payload={
                "customer_id": sub.customer_id,
                "paused_at": paused_at.isoformat(),
                "next_billing_date": sub.next_billing_date.isoformat(),
            },
        )
    return sub


_UNSET = object()


def subscription_update(
    *,
    subscription: Subscription,
    actor: Actor,
    next_billing_date: dt.datetime | None = None,
    metadata: dict | None = None,
    billing: dict | None = None,
    tax_id=_UNSET,
    customer_name=_UNSET,
    now: dt.datetime | None = None,
) -> Subscription:
    """Change the given fields (None/unset: unchanged; tax_id and customer_name "" clear).

    `next_billing_date` needs an active subscription and a time in the future, at most
    five years ahead; metadata replaces the whole object; billing the whole address."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = _locked(subscription)
        changed = {}
        if next_billing_date is not None:
            if sub.status != Subscription.Status.ACTIVE:
                raise SubscriptionNotActive()
            if not now < next_billing_date <= now + MAX_BILLING_DATE_AHEAD:
                raise InvalidNextBillingDate()
            sub.next_billing_date = next_billing_date
            changed["next_billing_date"] = next_billing_date.isoformat()
        if metadata is not None:
            sub.metadata = changed["metadata"] = metadata
        if billing is not None:
            sub.billing = changed["billing"] = billing
        if tax_id is not _UNSET:
            sub.tax_id = changed["tax_id"] = tax_id or ""
        if customer_name is not _UNSET:
            sub.customer_name = changed["customer_name"] = customer_name or ""
        if changed:
            sub.save()
            event_record(
                sub,
                type="subscription.updated",
                actor=actor,
                payload={"customer_id": sub.customer_id, "changed": changed},
            )
    return sub
