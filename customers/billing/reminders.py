"""The upcoming-renewal e-mail: sent once per subscription period, a number of days
before the billing date that each business chooses (1–30, default 3), unless the
business switched it off.

`renewal_reminders_send` is run by beat every hour (and by the
`send_renewal_reminders --now` command). A `RenewalReminder` row per (subscription,
billing date), written in the transaction that queues the e-mail, makes a second run
(or two at once) send nothing new; a billing date that moves gets its own reminder.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from customers.billing.notifications import SUBJECTS, MoneyLater, portal_login_url
from customers.core.formatting import utc_date
from customers.emails.lifecycle import lifecycle_email_queue
from customers.models import CustomerEmailSettings, RenewalReminder, Subscription

DEFAULT_DAYS = CustomerEmailSettings._meta.get_field("upcoming_renewal_days").default


def _windows() -> dict[int, Q]:
    """Days ahead → which businesses use that many (those with no settings row use the
    default); businesses that switched the e-mail off are in none."""
    chosen = CustomerEmailSettings.objects.values_list(
        "business_id", "upcoming_renewal_days", "upcoming_renewal"
    )
    by_days: dict[int, list[str]] = {}
    configured = []
    for business_id, days, enabled in chosen.iterator():
        configured.append(business_id)
        if enabled:
            by_days.setdefault(days, []).append(business_id)
    windows = {days: Q(business_id__in=ids) for days, ids in by_days.items()}
    default = ~Q(business_id__in=configured)
    windows[DEFAULT_DAYS] = windows.get(DEFAULT_DAYS, Q(pk__in=[])) | default
    return windows


def _remind(sub: Subscription) -> bool:
    try:
        with transaction.atomic():
            RenewalReminder.objects.create(
                business_id=sub.business_id,
                subscription_id=sub.pk,
                period_end=sub.next_billing_date,
            )
            lifecycle_email_queue(
                kind="upcoming_renewal",
                customer=sub.customer,
                subject=SUBJECTS["upcoming_renewal"],
                subject_params={"product": sub.product.name},
                context={
                    "product": sub.product.name,
                    "date": utc_date(sub.next_billing_date),
                    "amount": MoneyLater(sub.renewal_amount, sub.currency),
                    "portal_url": portal_login_url(sub.business_id),
                },
            )
    except IntegrityError:  # reminded already (another run got there first)
        return False
    return True


def renewal_reminders_send(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Queue the upcoming-renewal e-mail of every active subscription that renews
    within its business's window and was not reminded of that date; returns how many."""
    now = now or timezone.now()
    sent = 0
    for days, businesses in _windows().items():
        due = (
            Subscription.objects.filter(
                businesses,
                status=Subscription.Status.ACTIVE,
                cancel_at_next_billing_date=False,
                next_billing_date__gt=now,
                next_billing_date__lte=now + dt.timedelta(days=days),
            )
            .exclude(
                pk__in=RenewalReminder.objects.filter(
                    period_end__gt=now, period_end__lte=now + dt.timedelta(days=days)
                ).values("subscription_id")
            )
            .select_related("customer__business", "product")
            .order_by("pk")
        )
        last_pk = ""
        while True:
            batch = list(due.filter(pk__gt=last_pk)[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            sent += sum(_remind(sub) for sub in batch)
    return sent
