"""Which audit Events e-mail the customer, and what the e-mail says.

Listens to `customers.audit.event_recorded` (like the webhook outbox), so every
service that records `payment.succeeded`, `refund.succeeded`, `subscription.paused`…
e-mails the customer in the same transaction, without knowing about e-mail: a
rolled-back change sends nothing. The business switches each kind on or off; the
recovery e-mails of dunning use the `dunning` switch.
"""

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.api.invoices import invoice_url
from customers.audit import event_recorded
from customers.core.formatting import utc_date
from customers.core.money import format_money
from customers.emails.lifecycle import lifecycle_email_queue
from customers.models import Event, Payment, Refund, Subscription

SUBJECTS = {
    "payment_succeeded": _("Payment received by %(business)s"),
    "payment_failed": _("Your payment to %(business)s failed"),
    "refund_succeeded": _("Refund from %(business)s"),
    "subscription_cancelled": _("Your %(product)s subscription is cancelled"),
    "subscription_cancellation_scheduled": _("Your %(product)s subscription is set to cancel"),
    "subscription_paused": _("Your %(product)s subscription is paused"),
    "subscription_resumed": _("Your %(product)s subscription is active again"),
    "subscription_plan_changed": _("Your plan changed to %(product)s"),
    "upcoming_renewal": _("Your %(product)s subscription renews soon"),
}

# Event type → the e-mail it sends.
KIND_OF = {
    "payment.succeeded": "payment_succeeded",
    "payment.failed": "payment_failed",
    "refund.succeeded": "refund_succeeded",
    "subscription.cancelled": "subscription_cancelled",
    "subscription.cancellation_scheduled": "subscription_cancellation_scheduled",
    "subscription.paused": "subscription_paused",
    "subscription.resumed": "subscription_resumed",
    "subscription.plan_changed": "subscription_plan_changed",
}


def portal_login_url(business_id: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("portal:login", args=[business_id])


class MoneyLater:
    """An amount formatted when the template renders, i.e. in the customer's language."""

    def __init__(self, amount: int, currency: str):
        self.amount, self.currency = amount, currency

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def _payment_context(payment: Payment) -> dict:
    return {
        "amount": MoneyLater(payment.total_amount, payment.currency),
        "payment_id": payment.pk,
        "product": payment.product.name if payment.product_id else "",
        "invoice_url": invoice_url("payments", payment.pk),
        "portal_url": portal_login_url(payment.business_id),
    }


def _subscription_context(sub: Subscription, event: Event) -> dict:
    date = sub.next_billing_date
    return {
        "product": sub.product.name,
        "subscription_id": sub.pk,
        "date": utc_date(date),
        "amount": MoneyLater(sub.renewal_amount, sub.currency),
        "portal_url": portal_login_url(sub.business_id),
        "old_product": event.payload.get("from_product_name", ""),
        "charged": (
            MoneyLater(event.payload["charge_amount"], sub.currency)
            if event.payload.get("charge_amount")
            else ""
        ),
        "credited": (
            MoneyLater(event.payload["credit_amount"], sub.currency)
            if event.payload.get("credit_amount")
            else ""
        ),
    }


def subscription_email_queue(*, kind: str, subscription: Subscription, context: dict) -> None:
    lifecycle_email_queue(
        kind=kind,
        customer=subscription.customer,
        subject=SUBJECTS[kind],
        subject_params={"product": subscription.product.name},
        context=context,
    )


@receiver(event_recorded, dispatch_uid="customers.billing.notifications")
def email_on_event(sender, event: Event, subject, **kwargs) -> None:
    kind = KIND_OF.get(event.type)
    if kind is None:
        return
    if isinstance(subject, Payment):
        payment = Payment.objects.select_related("customer__business", "product").get(pk=subject.pk)
        if kind == "payment_failed" and payment.charge_type == Payment.ChargeType.RENEWAL:
            return  # a failed renewal starts dunning, which writes its own e-mails
        lifecycle_email_queue(
            kind=kind,
            customer=payment.customer,
            subject=SUBJECTS[kind],
            subject_params={"business": payment.customer.business.name},
            context=_payment_context(payment),
        )
    elif isinstance(subject, Refund):
        refund = Refund.objects.select_related("customer__business").get(pk=subject.pk)
        lifecycle_email_queue(
            kind=kind,
            customer=refund.customer,
            subject=SUBJECTS[kind],
            subject_params={"business": refund.customer.business.name},
            context={
                "amount": MoneyLater(refund.amount, refund.currency),
                "payment_id": refund.payment_id,
                "receipt_url": invoice_url("refunds", refund.pk),
            },
        )
    elif isinstance(subject, Subscription):
        sub = Subscription.objects.select_related("customer__business", "product").get(
            pk=subject.pk
        )
        subscription_email_queue(
            kind=kind, subscription=sub, context=_subscription_context(sub, event)
        )
