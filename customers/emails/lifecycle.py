"""Lifecycle e-mails to a business's customers (payment succeeded, subscription paused…):
each one can be switched off by the business (`CustomerEmailSettings`), is written in
the customer's language (`preferred_locale`, English when unset or not translated),
comes from the business's name, and is sent by the worker (`email_queue`)."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from customers.audit import Actor, event_record
from customers.core.locales import customer_language
from customers.emails.services import email_queue
from customers.models import Customer, CustomerEmailSettings, EmailLog

# Which log category each kind is filed under (Dodo's EmailLogItem.category).
CATEGORY = {
    "payment_succeeded": EmailLog.Category.PAYMENTS,
    "payment_failed": EmailLog.Category.PAYMENTS,
    "refund_succeeded": EmailLog.Category.REFUNDS,
    "dunning": EmailLog.Category.DUNNING,
}


def lifecycle_email_queue(
    *, kind: str, customer: Customer, subject, context: dict, subject_params: dict | None = None
) -> EmailLog | None:
    """Queue the `kind` e-mail (a `CustomerEmailSettings.KINDS` key) to `customer` in the
    caller's transaction, unless the business switched it off; None when it did.
    The body is `customers/email/<kind>.txt`; `subject` a lazy msgid filled with
    `subject_params` inside the language switch."""
    if not CustomerEmailSettings.for_business(customer.business_id).enabled(kind):
        return None
    business = customer.business
    with translation.override(customer_language(customer.preferred_locale)):
        body = render_to_string(
            f"customers/email/{kind}.txt",
            {"customer": customer, "business": business, **context},
        )
        subject_text = str(subject) % subject_params if subject_params else str(subject)
    return email_queue(
        business=business,
        customer_id=customer.pk,
        to=customer.email,
        subject=subject_text,
        body=body,
        category=CATEGORY.get(kind, EmailLog.Category.SUBSCRIPTIONS),
        email_type=kind,
    )


def email_settings_save(*, business, actor: Actor, **values) -> CustomerEmailSettings:
    """Save which lifecycle e-mails the business sends, with an Event of what changed."""
    with transaction.atomic():
        current = (
            CustomerEmailSettings.objects.select_for_update().filter(business=business).first()
        ) or CustomerEmailSettings(business=business)
        changed = {f: v for f, v in values.items() if getattr(current, f) != v}
        for field, value in changed.items():
            setattr(current, field, value)
        current.save()
        if changed:
            event_record(
                business, type="email_settings.updated", actor=actor, payload={"changes": changed}
            )
    return current
