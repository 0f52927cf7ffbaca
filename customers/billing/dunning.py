"""Dunning: what happens to a subscription between a failed renewal and its recovery
or cancellation.

A failed renewal opens a `Dunning` episode: the subscription goes on hold, its keys
are disabled, `dunning.started` is sent and the customer is e-mailed a link to the
portal's "update payment method" page. Retries follow Dodo's schedule
(`RETRY_SCHEDULE`: 12 h, 24 h, 48 h, 72 h, 96 h, 120 h, 7 d, 7 d after each failure)
while they fall inside the business's recovery window (1–30 days, default 13). A
soft decline (insufficient funds, do not honour) is retried; a hard one (expired,
lost or stolen card, no method) stops the retries at once — only a new method can
recover it. Every failed retry e-mails a reminder; the last one, a final notice. A
charge that succeeds (a retry, "retry now", or a new method) recovers it: the
subscription is active again and its keys come back (`dunning.recovered`,
`subscription.active`). When the window closes unpaid the subscription is cancelled
(`subscription.cancelled`). The charges themselves are made by `charges`; the
functions here change state inside the caller's transaction.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.billing.gateway import is_hard_decline
from customers.core.errors import DunningNotOpen
from customers.core.formatting import utc_date
from customers.core.locales import customer_language
from customers.core.money import format_money
from customers.emails.services import email_queue
from customers.licenses.services import license_keys_disable, license_keys_enable
from customers.models import (
    RETRY_SCHEDULE,
    CustomerEmailSettings,
    Dunning,
    EmailLog,
    LicenseKey,
    Payment,
    Subscription,
)

_SUBJECTS = {
    "failed": _("Your %(product)s payment failed"),
    "reminder": _("Reminder: your %(product)s payment is still due"),
    "final": _("Final notice: your %(product)s subscription will be cancelled"),
    "recovered": _("Your %(product)s subscription is active again"),
}
# Why a charge failed, as the customer reads it.
REASONS = {
    "insufficient_funds": _("insufficient funds"),
    "do_not_honor": _("declined by the bank"),
    "expired_card": _("the card has expired"),
    "payment_method_missing": _("no payment method on file"),
}
# The e-mail types, as the per-business e-mail switches will name them.
EMAIL_TYPES = {
    "failed": "dunning_payment_failed",
    "reminder": "dunning_reminder",
    "final": "dunning_final_notice",
    "recovered": "dunning_recovered",
}


def next_retry(*, attempts: int, now: dt.datetime, window_ends_at: dt.datetime):
    """When to try again after `attempts` charges failed, or None: the schedule is
    spent or the next try would fall after the window closes."""
    if attempts > len(RETRY_SCHEDULE):
        return None
    moment = now + RETRY_SCHEDULE[attempts - 1]
    return moment if moment < window_ends_at else None


def update_method_url(subscription: Subscription) -> str:
    """The portal page where the customer updates the subscription's payment method
    (a link built from PUBLIC_BASE_URL, never from a request)."""
    path = reverse("portal:subscription_payment_method", args=[subscription.pk])
    return settings.PUBLIC_BASE_URL + path


def _email(dunning: Dunning, kind: str) -> None:
    sub, customer = dunning.subscription, dunning.customer
    if not customer.email:
        return
    if not CustomerEmailSettings.for_business(sub.business_id).enabled("dunning"):
        return  # the merchant switched recovery e-mails off (Settings → Customer e-mails)
    with translation.override(customer_language(customer.preferred_locale)):
        context = {
            "kind": kind,
            "customer": customer,
            "business": sub.business,
            "product": sub.product.name,
            "amount": format_money(dunning.amount, dunning.currency),
            "reason": str(REASONS.get(dunning.last_error_code, _("card declined"))),
            "ends": utc_date(dunning.window_ends_at),
            "url": update_method_url(sub),
        }
        body = render_to_string("customers/email/dunning.txt", context)
        subject = str(_SUBJECTS[kind]) % {"product": sub.product.name}
    email_queue(
        business=sub.business,
        customer_id=customer.pk,
        to=customer.email,
        subject=subject,
        body=body,
        category=EmailLog.Category.DUNNING,
        email_type=EMAIL_TYPES[kind],
    )


def _dunning_payload(dunning: Dunning) -> dict:
    return {
        "subscription_id": dunning.subscription_id,
        "payment_id": dunning.payment_id,
        "amount": dunning.amount,
        "currency": dunning.currency,
        "attempts": dunning.attempts,
        "error_code": dunning.last_error_code,
        "next_retry_at": dunning.next_retry_at.isoformat() if dunning.next_retry_at else None,
    }


def dunning_open(
    *, sub: Subscription, payment: Payment, error_code: str, now: dt.datetime, actor: Actor
) -> Dunning:
    """A renewal failed: hold the subscription, disable its keys, start retrying.
    Inside the caller's transaction, with `sub` locked."""
    sub.status = Subscription.Status.ON_HOLD
    sub.save()
    license_keys_disable(
        keys=LicenseKey.objects.filter(subscription=sub),
        reason=LicenseKey.DisabledReason.SUBSCRIPTION_ON_HOLD,
        actor=actor,
    )
    event_record(
        sub,
        type="subscription.on_hold",
        actor=actor,
        payload={
            "payment_id": payment.pk,
            "amount": payment.total_amount,
            "currency": sub.currency,
            "error_code": error_code,
        },
    )
    window_ends_at = now + dt.timedelta(days=sub.business.dunning_window_days)
    hard = is_hard_decline(error_code)
    dunning = Dunning.objects.create(
        business=sub.business,
        subscription=sub,
        customer=sub.customer,
        status=Dunning.Status.RECOVERING,
        payment=payment,
        amount=payment.total_amount,
        currency=payment.currency,
        attempts=1,
        next_retry_at=None
        if hard
        else next_retry(attempts=1, now=now, window_ends_at=window_ends_at),
        window_ends_at=window_ends_at,
        last_error_code=error_code,
        hard_decline=hard,
        started_at=now,
    )
    event_record(dunning, type="dunning.started", actor=actor, payload=_dunning_payload(dunning))
    _email(dunning, "failed")
    return dunning


def dunning_attempt_failed(*, dunning: Dunning, error_code: str, now: dt.datetime, actor: Actor):
    """A retry (or a charge to a new method) failed: schedule the next one, or stop."""
    dunning.attempts += 1
    dunning.last_error_code = error_code
    dunning.hard_decline = is_hard_decline(error_code)
    dunning.next_retry_at = (
        None
        if dunning.hard_decline
        else next_retry(attempts=dunning.attempts, now=now, window_ends_at=dunning.window_ends_at)
    )
    dunning.save()
    event_record(
        dunning, type="dunning.retry_failed", actor=actor, payload=_dunning_payload(dunning)
    )
    _email(dunning, "reminder" if dunning.next_retry_at else "final")


def dunning_recover(*, dunning: Dunning, sub: Subscription, payment: Payment, now, actor: Actor):
    """The dues were paid: the subscription is active again and its keys come back."""
    dunning.status = Dunning.Status.RECOVERED
    dunning.recovered_payment = payment
    dunning.next_retry_at = None
    dunning.ended_at = now
    dunning.save()
    if sub.status == Subscription.Status.ON_HOLD:
        sub.status = Subscription.Status.ACTIVE
        sub.save()
        license_keys_enable(
            keys=LicenseKey.objects.filter(subscription=sub),
            reason=LicenseKey.DisabledReason.SUBSCRIPTION_ON_HOLD,
            actor=actor,
        )
    event_record(dunning, type="dunning.recovered", actor=actor, payload=_dunning_payload(dunning))
    event_record(sub, type="subscription.active", actor=actor, payload={"payment_id": payment.pk})
    _email(dunning, "recovered")


def _locked_open(dunning: Dunning) -> tuple[Dunning, Subscription]:
    sub = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("business", "customer", "product")
        .get(pk=dunning.subscription_id)
    )
    locked = Dunning.objects.select_for_update().get(pk=dunning.pk)
    if locked.status != Dunning.Status.RECOVERING:
        raise DunningNotOpen()
    locked.subscription, locked.customer = sub, sub.customer
    return locked, sub


def dunning_expire(*, dunning: Dunning, now: dt.datetime, actor: Actor) -> Dunning:
    """The recovery window closed unpaid: cancel the subscription, keys stay off."""
    with transaction.atomic():
        locked, sub = _locked_open(dunning)
        if locked.window_ends_at > now:
            return locked
        locked.status = Dunning.Status.EXHAUSTED
        locked.next_retry_at = None
        locked.ended_at = now
        locked.save()
        if sub.can_cancel:
            sub.status = Subscription.Status.CANCELLED
            sub.cancelled_at = now
            sub.cancel_at_next_billing_date = False
            sub.cancel_reason = Subscription.CancelReason.BY_MERCHANT_DUNNING
            sub.cancelled_by_type = Subscription.CancelledBy.DODO_TEAM
            sub.cancelled_by_label = actor.label
            sub.save()
            # Keys held for the failure are now off for the cancellation.
            LicenseKey.objects.filter(
                subscription=sub,
                status=LicenseKey.Status.DISABLED,
                disabled_reason=LicenseKey.DisabledReason.SUBSCRIPTION_ON_HOLD,
            ).update(disabled_reason=LicenseKey.DisabledReason.SUBSCRIPTION_CANCELLED)
            license_keys_disable(
                keys=LicenseKey.objects.filter(subscription=sub),
                reason=LicenseKey.DisabledReason.SUBSCRIPTION_CANCELLED,
                actor=actor,
            )
            event_record(
                sub,
                type="subscription.cancelled",
                actor=actor,
                payload={
                    "customer_id": sub.customer_id,
                    "effective_at": now.isoformat(),
                    "cancel_reason": sub.cancel_reason,
                    "dunning_id": locked.pk,
                },
            )
        event_record(
            locked, type="dunning.exhausted", actor=actor, payload=_dunning_payload(locked)
        )
    return locked


def dunning_stop(*, dunning: Dunning, actor: Actor) -> Dunning:
    """The merchant stops recovering: no more retries or e-mails; the subscription
    stays on hold (cancel it, or let the customer pay by updating the method)."""
    with transaction.atomic():
        locked, _sub = _locked_open(dunning)
        locked.status = Dunning.Status.STOPPED
        locked.next_retry_at = None
        locked.ended_at = timezone.now()
        locked.save()
        event_record(locked, type="dunning.stopped", actor=actor, payload=_dunning_payload(locked))
    return locked
