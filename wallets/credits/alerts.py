"""Credit alerts to customers: a low balance (when a debit crosses one of the
entitlement's thresholds downwards) and a reminder 7 days before credits expire.

The low-balance alert is written inside the debit's transaction (its Event is the
`credit.balance_low` webhook; the e-mail is queued and sent after commit). A crossing
is `balance_before ≥ threshold > balance_after`, so one crossing alerts once; only
the lowest threshold a debit crosses is reported. Reminders are marked on the grant
(`reminded_at`) in the same transaction that queues the e-mail, so a second run, or
a second worker, sends nothing again.
"""

import datetime as dt

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.core.locales import customer_language
from customers.emails.services import email_queue
from customers.models import Customer
from wallets.credits.amounts import credits_display, credits_text
from wallets.credits.models import MILLI, CreditBalance, CreditGrant, CreditLedgerEntry

REMIND_BEFORE = dt.timedelta(days=7)


def _email(customer: Customer, *, subject, template: str, context: dict, email_type: str):
    """An e-mail to the customer in their language (English unless Korean)."""
    with translation.override(customer_language(customer.preferred_locale)):
        body = render_to_string(template, {"customer": customer, **context})
        subject_text = str(subject) % context
    email_queue(
        business=customer.business,
        customer_id=customer.pk,
        to=customer.email,
        subject=subject_text,
        body=body,
        category="entitlements",
        email_type=email_type,
    )


def low_balance_check(balance: CreditBalance, entry: CreditLedgerEntry, *, actor: Actor):
    """After a debit on the locked `balance`: alert if it crossed a threshold."""
    entitlement = balance.entitlement
    crossed = [
        t
        for t in entitlement.low_balance_thresholds or []
        if entry.balance_before >= t * MILLI > entry.balance_after
    ]
    if not crossed:
        return
    threshold = min(crossed)
    balance.alerted_threshold = threshold
    precision = entitlement.precision
    balance.low_balance_alert = {
        "available_balance": credits_text(entry.balance_after, precision),
        "brand_id": balance.business_id,
        "credit_entitlement_id": entitlement.pk,
        "credit_entitlement_name": entitlement.name,
        "customer_id": balance.customer_id,
        "subscription_credits_amount": "0",
        "subscription_id": "",
        "threshold_amount": credits_text(threshold * MILLI, precision),
        "threshold_percent": 0,
    }
    event_record(balance, type="credit.balance_low", actor=actor, payload=balance.low_balance_alert)
    customer = Customer.objects.select_related("business").get(pk=balance.customer_id)
    _email(
        customer,
        subject=_("Your %(name)s balance is low"),
        template="wallets/credits/email/balance_low.txt",
        context={
            "name": entitlement.name,
            "unit": entitlement.unit,
            "balance": credits_display(entry.balance_after, precision),
            "threshold": credits_display(threshold * MILLI, precision),
            "business": customer.business,
        },
        email_type="credit_balance_low",
    )


def credits_remind_expiring(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """E-mail each customer whose grant expires within 7 days (once per grant)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            due = list(
                CreditGrant.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("entitlement", "customer__business")
                .filter(
                    is_expired=False,
                    reminded_at__isnull=True,
                    remaining_amount__gt=0,
                    expires_at__gt=now,
                    expires_at__lte=now + REMIND_BEFORE,
                )
                .order_by("expires_at", "id")[:batch]
            )
            if not due:
                return sent
            for grant in due:
                entitlement = grant.entitlement
                with translation.override(customer_language(grant.customer.preferred_locale)):
                    expires = date_format(timezone.localtime(grant.expires_at).date())
                _email(
                    grant.customer,
                    subject=_("%(amount)s %(unit)s expire on %(date)s"),
                    template="wallets/credits/email/expiring.txt",
                    context={
                        "amount": credits_display(grant.remaining_amount, entitlement.precision),
                        "unit": entitlement.unit,
                        "name": entitlement.name,
                        "date": expires,
                        "business": grant.customer.business,
                    },
                    email_type="credit_expiring",
                )
            CreditGrant.objects.filter(pk__in=[g.pk for g in due]).update(reminded_at=now)
            sent += len(due)
