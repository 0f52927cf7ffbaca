"""Queue an e-mail with the change that causes it; the worker sends it.

`email_queue` writes an `EmailLog` row in the caller's transaction and enqueues
`email_send` when that transaction commits, so a rolled-back change sends nothing
and a dead SMTP server never fails the request. The worker's side is
`customers.emails.delivery`.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.core.tasks import enqueue_on_commit
from customers.emails.tasks import email_send
from customers.models import Business, EmailLog


def sender_for(business: Business | None) -> str:
    """The business's sender name (its name unless set) on the configured address:
    "Demo Store <no-reply@…>"; our own name for staff mail."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if business is not None:
        name = " ".join((business.email_sender_name or business.name).split())  # one line
    return formataddr((name, address)) if address else settings.DEFAULT_FROM_EMAIL


def email_queue(
    *,
    business: Business | None,
    to: str,
    subject: str,
    body: str,
    category: str,
    email_type: str,
    customer_id: str = "",
    reply_to: str = "",
) -> EmailLog:
    """Record one e-mail and send it once the current transaction commits. Replies go to
    the business's support address unless `reply_to` says otherwise."""
    if not reply_to and business is not None:
        reply_to = business.support_email
    email = EmailLog.objects.create(
        business=business,
        customer_id=customer_id,
        category=category,
        email_type=email_type,
        from_email=sender_for(business),
        reply_to=reply_to,
        recipient=to,
        subject=" ".join(str(subject).split())[:300],
        body=body,
    )
    enqueue_on_commit(email_send, email.pk)
    return email


def email_retry(*, email_ids: list[str]) -> int:
    """Send failed e-mails again (an operator's action in admin); returns how many."""
    with transaction.atomic():
        ids = list(
            EmailLog.objects.filter(pk__in=email_ids, status=EmailLog.Status.FAILED).values_list(
                "pk", flat=True
            )
        )
        EmailLog.objects.filter(pk__in=ids).update(
            status=EmailLog.Status.QUEUED, updated_at=timezone.now()
        )
        for pk in ids:
            enqueue_on_commit(email_send, pk)
    return len(ids)
