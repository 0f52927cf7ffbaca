"""The e-mail outbox and log: every e-mail the product sends is one row.

A service renders the message and calls `customers.emails.services.email_queue`
inside its own transaction; the row commits with the change, and the worker sends
it (`customers.emails.tasks.email_send`) once the transaction has committed. The
row then says where the e-mail got to, so a dead SMTP server never fails a page and
never loses a message silently: it ends `failed`, visible in admin and in the
customer's e-mail log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class EmailLog(models.Model):
    """One e-mail, queued with the change that caused it and sent by the worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Category(models.TextChoices):
        AUTH = "auth", _("Sign-in and account")
        PAYMENTS = "payments", _("Payments")
        REFUNDS = "refunds", _("Refunds")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")
        DUNNING = "dunning_recovery", _("Payment recovery")
        ENTITLEMENTS = "entitlements", _("Credits")
        TEAM = "team", _("Team")
        EXPORTS = "exports", _("Exports")
        WEBHOOKS = "webhooks", _("Webhooks")

    id = PublicIdField(prefix="eml")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="emails", null=True, blank=True
    )
    customer_id = models.CharField(max_length=40, blank=True, default="")  # "" for staff mail
    category = models.CharField(max_length=20, choices=Category.choices)
    email_type = models.CharField(max_length=60)  # e.g. "portal_magic_link"
    from_email = models.CharField(max_length=320)
    reply_to = models.CharField(max_length=320, blank=True)
    recipient = models.CharField(max_length=320)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=500, blank=True)  # the last error, if any
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also set by the worker's updates
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [
            models.Index(
                fields=["business", "customer_id", "created_at"],
                condition=~models.Q(customer_id=""),
                name="email_customer",
            ),
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="email_queued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email_type} → {self.recipient}"
