"""Plan changes: a subscription moved to another recurring product, with what it cost.

One row per attempt. It is written `pending` (with the amount quoted) before the
gateway is called, outside any row lock, and then `applied` or `failed`; a partial
unique constraint allows one pending change per subscription, so a second attempt
while one is being charged is refused (409) by the database itself.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.billing import Payment
from customers.models.catalog import Product
from customers.models.subscriptions import Subscription


class PlanChange(models.Model):
    """One attempt to move a subscription to another product (or quantity)."""

    class Mode(models.TextChoices):  # Dodo's proration_billing_mode values we support
        PRORATED_IMMEDIATELY = "prorated_immediately", _("Prorated, charged now")
        FULL_IMMEDIATELY = "full_immediately", _("Full price now, new period")
        DIFFERENCE_IMMEDIATELY = "difference_immediately", _("Price difference now")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    id = PublicIdField(prefix="pch")
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="plan_changes"
    )
    from_product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    to_product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    from_quantity = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    mode = models.CharField(max_length=30, choices=Mode.choices)
    currency = models.CharField(max_length=3)  # ISO 4217, the subscription's
    # Minor units of `currency`: the old and new recurring amounts (whole quantity),
    # what is charged now, and what goes to the customer's wallet (downgrades).
    from_amount = models.BigIntegerField()
    to_amount = models.BigIntegerField()
    charge_amount = models.BigIntegerField()
    credit_amount = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error_code = models.CharField(max_length=60, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["business", "subscription", "created_at"], name="planchange_subscription"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="pending"),
                name="planchange_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(charge_amount__gte=0, credit_amount__gte=0),
                name="planchange_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.pk
