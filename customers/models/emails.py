"""The e-mail outbox and log: every e-mail the product sends is one row.

A service renders the message and calls `customers.emails.services.email_queue`
inside its own transaction; the row commits with the change, and the worker sends
it (`customers.emails.tasks.email_send`) once the transaction has committed. The
row then says where the e-mail got to, so a dead SMTP server never fails a page and
never loses a message silently: it ends `failed`, visible in admin and in the
customer's e-mail log.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
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


class CustomerEmailSettings(models.Model):
    """One business's choice of which lifecycle e-mails its customers get."""

    # Switch keys, one per kind of e-mail (the settings page, `email_enabled`, and the
    # dunning e-mails of the recovery work use them).
    KINDS = {
        "payment_succeeded": _("Payment succeeded, with the invoice"),
        "refund_succeeded": _("Refund succeeded"),
        "payment_failed": _("Payment failed"),
        "dunning": _("Renewal failed and payment reminders"),
        "upcoming_renewal": _("Upcoming renewal"),
        "subscription_cancelled": _("Subscription cancelled"),
        "subscription_cancellation_scheduled": _("Subscription set to cancel"),
        "subscription_paused": _("Subscription paused"),
        "subscription_resumed": _("Subscription resumed"),
        "subscription_plan_changed": _("Plan changed"),
    }

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="email_settings"
    )
    payment_succeeded = models.BooleanField(default=True)
    refund_succeeded = models.BooleanField(default=True)
    payment_failed = models.BooleanField(default=True)
    dunning = models.BooleanField(default=True)
    upcoming_renewal = models.BooleanField(default=True)
    subscription_cancelled = models.BooleanField(default=True)
    subscription_cancellation_scheduled = models.BooleanField(default=True)
    subscription_paused = models.BooleanField(default=True)
    subscription_resumed = models.BooleanField(default=True)
    subscription_plan_changed = models.BooleanField(default=True)
    # The upcoming-renewal e-mail goes this many days before the billing date (1–30).
    upcoming_renewal_days = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer e-mail settings")
        verbose_name_plural = _("customer e-mail settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(upcoming_renewal_days__gte=1, upcoming_renewal_days__lte=30),
                name="emailsettings_renewal_days_valid",
            )
        ]

    def __str__(self) -> str:
        return f"E-mail settings of {self.business_id}"

    @classmethod
    def for_business(cls, business_id: str) -> "CustomerEmailSettings":
        """The saved settings, or unsaved defaults (every e-mail on)."""
        found = cls.objects.filter(business_id=business_id).first()
        return found or cls(business_id=business_id)

    def enabled(self, kind: str) -> bool:
        return bool(getattr(self, kind))


class RenewalReminder(models.Model):
    """The upcoming-renewal e-mail of one subscription's period was queued: one row per
    period, so the reminder run is safe twice and on two workers."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    subscription_id = models.CharField(max_length=40)
    period_end = models.DateTimeField()  # the next_billing_date it announced
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "subscription_id", "period_end"], name="renewalreminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.subscription_id} {self.period_end:%Y-%m-%d}"
