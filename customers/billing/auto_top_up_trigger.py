"""Starts auto top-ups: listens to `customers.audit.event_recorded` (inside the
debit's transaction) for `credit.deducted`, records the crossing's run, and enqueues
its purchase after commit — never while the balance's row lock is held."""

from django.db import transaction
from django.dispatch import receiver

from customers.audit import event_recorded
from customers.billing.auto_top_up import auto_top_up_crossing
from customers.billing.tasks import auto_top_up_run_task
from customers.models import Event
from wallets.credits.models import CreditLedgerEntry


@receiver(event_recorded, sender=Event, dispatch_uid="customers.billing.auto_top_up")
def on_debit(sender, *, event: Event, subject, **kwargs) -> None:
    if event.type != "credit.deducted" or not isinstance(subject, CreditLedgerEntry):
        return
    if subject.is_credit:
        return
    run = auto_top_up_crossing(subject)
    if run is not None:
        transaction.on_commit(lambda: auto_top_up_run_task.delay(run.pk))
