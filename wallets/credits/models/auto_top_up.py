"""Auto top-up: "when my API calls fall below 100, buy the 1,000-call pack with my
saved card, at most 3 times a month".

A `CreditAutoTopUp` is that rule, one per customer and entitlement. A debit that
crosses its threshold downwards (`balance_before ≥ threshold > balance_after`, the
crossing rule of the low-balance alerts) writes one `CreditAutoTopUpRun`, in the
debit's transaction, and the purchase is made by a task after commit. The database
keeps the promises: one run per crossing (the crossing entry is unique), one run in
flight per rule (a partial unique index on queued runs), and at most the rule's
monthly limit per calendar month (UTC): each run takes a numbered slot of its month,
unique per rule, and slots above the limit are never written. Failed charges count
towards the limit (a declining card is not tried again and again).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Business, BusinessScopedQuerySet, Customer, Payment, Product
from wallets.credits.models.entitlements import CreditEntitlement
from wallets.credits.models.ledger import CreditLedgerEntry

MAX_MONTHLY = 31


class CreditAutoTopUp(models.Model):
    """One customer's standing order to buy a credit pack when a balance runs low."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    entitlement = models.ForeignKey(CreditEntitlement, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")  # the pack
    threshold = models.BigIntegerField(_("when the balance falls below"))  # 1/1000 credits, > 0
    monthly_limit = models.PositiveSmallIntegerField(_("at most, per month"), default=3)
    enabled = models.BooleanField(_("on"), default=True)
    set_by = models.CharField(max_length=10, blank=True)  # "customer" or "merchant"
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit auto top-up")
        verbose_name_plural = _("credit auto top-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer", "entitlement"], name="autotopup_one_per_balance"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gt=0, monthly_limit__gte=1, monthly_limit__lte=MAX_MONTHLY),
                name="autotopup_values_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.entitlement_id} < {self.threshold}"


class CreditAutoTopUpRun(models.Model):
    """One purchase an auto top-up made (or is making) after one crossing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(CreditAutoTopUp, on_delete=models.PROTECT, related_name="runs")
    # The debit that crossed the threshold: one run per crossing.
    crossing_entry = models.OneToOneField(
        CreditLedgerEntry, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField()  # the first day of the run's calendar month (UTC)
    slot = models.PositiveSmallIntegerField()  # 1…monthly_limit within the month
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "wallets"
        constraints = [
            models.UniqueConstraint(fields=["rule", "month", "slot"], name="autotopuprun_slot"),
            models.UniqueConstraint(
                fields=["rule"], condition=Q(status="queued"), name="autotopuprun_one_in_flight"
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="autotopuprun_slot_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.month} #{self.slot}"
