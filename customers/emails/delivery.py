"""The worker's side of the e-mail outbox: claim a queued row (so two workers never
send it twice), send it, record the outcome. A failure puts the row back in the queue
for the task's retry; the last failure leaves it `failed`."""

import datetime as dt

from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from customers.models import EmailLog

# A message queued or being sent for this long is handed to the worker again.
STALE_AFTER = dt.timedelta(minutes=15)


def email_deliver(*, email_id: str) -> bool:
    """Send one queued e-mail; False if it was sent (or is being sent) already.

    Raises what the mail backend raised, after putting the row back in the queue.
    """
    claimed = EmailLog.objects.filter(pk=email_id, status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return False
    email = EmailLog.objects.get(pk=email_id)
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email,
        to=[email.recipient],
        reply_to=[email.reply_to] if email.reply_to else None,
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        EmailLog.objects.filter(pk=email_id).update(
            status=EmailLog.Status.QUEUED,
            failure_reason=f"{type(exc).__name__}: {exc}"[:500],
            updated_at=timezone.now(),
        )
        raise
    EmailLog.objects.filter(pk=email_id).update(
        status=EmailLog.Status.SENT,
        sent_at=timezone.now(),
        failure_reason="",
        updated_at=timezone.now(),
    )
    return True


def email_give_up(*, email_id: str) -> None:
    """The last attempt failed: the e-mail stays `failed` (admin shows why)."""
    EmailLog.objects.filter(pk=email_id).exclude(status=EmailLog.Status.SENT).update(
        status=EmailLog.Status.FAILED, updated_at=timezone.now()
    )


def emails_stale(*, now: dt.datetime) -> list[str]:
    """E-mails whose task was lost (a crash between commit and enqueue, a worker killed
    mid-send), put back in the queue. Safe twice: sending claims the row."""
    stale = Q(status=EmailLog.Status.QUEUED) | Q(status=EmailLog.Status.SENDING)
    ids = list(
        EmailLog.objects.filter(stale, updated_at__lt=now - STALE_AFTER).values_list(
            "pk", flat=True
        )[:1000]
    )
    EmailLog.objects.filter(pk__in=ids).update(status=EmailLog.Status.QUEUED, updated_at=now)
    return ids
