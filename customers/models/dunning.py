"""Charges made outside the row lock, and dunning: the retries after a failed renewal.

A `GatewayAttempt` is written (and committed) before the gateway is called, under
the idempotency key the gateway is given; its outcome is written in a second
transaction. An attempt still `pending` after a crash is finished by the
reconciler, which asks the gateway what happened under that key — so a charge is
never made twice nor lost.

A `Dunning` row is one episode of recovery for one subscription: opened by a failed
renewal, it schedules retries on Dodo's schedule inside the business's recovery
window, and ends recovered, exhausted (the window closed: cancelled) or stopped.
`GatewayRecord` is the built-in gateway's own memory of what it was asked, by key:
what a real processor keeps on its side.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.billing import Payment, Refund
from customers.models.customers import Customer
from customers.models.subscriptions import Subscription

# Dodo's retry schedule after a failed renewal: the wait before each retry.
RETRY_SCHEDULE = (
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
    dt.timedelta(hours=48),
    dt.timedelta(hours=72),
    dt.timedelta(hours=96),
    dt.timedelta(hours=120),
    dt.timedelta(days=7),
    dt.timedelta(days=7),
)
RECOVERY_WINDOW_DEFAULT = 13  # days
RECOVERY_WINDOW_MIN, RECOVERY_WINDOW_MAX = 1, 30


class GatewayAttempt(models.Model):
    """One call to the gateway (a charge or a refund), recorded before it is made."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # asked (or about to be); outcome not recorded
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="gateway_attempts", null=True, blank=True
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, related_name="gateway_attempts", null=True, blank=True
    )
    amount = models.BigIntegerField()  # minor units asked of the gateway
    # The saved method charged (a charge); none for the payment's last method.
    payment_method = models.ForeignKey(
        "SavedPaymentMethod", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wallet_amount = models.BigIntegerField(default=0)  # minor units taken from the wallet first
    purpose = models.CharField(max_length=20, blank=True)  # "renewal", "retry", "method_update"
    error_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="gwattempt_pending"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "idempotency_key"], name="gwattempt_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gwattempt_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class DunningQuerySet(BusinessScopedQuerySet):
    def open(self):
        return self.filter(status=Dunning.Status.RECOVERING)


class Dunning(models.Model):
    """One recovery episode of one subscription after a renewal failed."""

    class Status(models.TextChoices):  # Dodo's dunning status
        RECOVERING = "recovering", _("Recovering")
        RECOVERED = "recovered", _("Recovered")
        EXHAUSTED = "exhausted", _("Exhausted")
        STOPPED = "stopped", _("Stopped")

    id = PublicIdField(prefix="dun")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="dunnings", db_index=False
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="dunnings"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # The failed renewal that opened it; the period it pays for is the dues.
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount at risk"))  # minor units of `currency`
    currency = models.CharField(max_length=3)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)  # charges tried
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)
    window_ends_at = models.DateTimeField(_("recovery window ends"))
    last_error_code = models.CharField(_("reason"), max_length=60, blank=True)
    hard_decline = models.BooleanField(default=False)  # retries stopped: a new method is needed
    recovered_payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = DunningQuerySet.as_manager()

    class Meta:
        verbose_name = _("dunning")
        verbose_name_plural = _("dunning")
        indexes = [
            models.Index(fields=["business", "status", "started_at"], name="dunning_business"),
            models.Index(
                fields=["next_retry_at"], condition=Q(status="recovering"), name="dunning_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="recovering"),
                name="dunning_one_open_per_subscription",
            ),
        ]

    def __str__(self) -> str:
        return self.pk

    @property
    def attempts_text(self) -> str:
        """ "Recovering · 2 attempts" (the details page's subscriptions tab)."""
        return ngettext(
            "Recovering · %(attempts)s attempt", "Recovering · %(attempts)s attempts", self.attempts
        ) % {"attempts": self.attempts}


class GatewayRecord(models.Model):
    """What the built-in gateway was asked under one idempotency key, and answered."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10)  # "charge" or "refund"
    amount = models.BigIntegerField()
    succeeded = models.BooleanField()
    error_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.idempotency_key
