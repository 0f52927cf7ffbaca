"""A customer's recurring purchases. Statuses and enums use the API contract's
values (`api-contract.md` §10); money is in integer minor units beside its code."""

import datetime as dt

from django.db import models
from django.db.models import JSONField, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.catalog import Product, TimeInterval
from customers.models.customers import Customer


class SubscriptionQuerySet(BusinessScopedQuerySet):
    def due(self, now: dt.datetime):
        """Active subscriptions whose period has ended: the renewal run's work."""
        return self.filter(status=Subscription.Status.ACTIVE, next_billing_date__lte=now)


class Subscription(models.Model):
    """A customer's recurring purchase of one product, billed every period."""

    class Status(models.TextChoices):  # the contract's SubscriptionStatus
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        PAST_DUE = "past_due", _("Past due")

    class CancelReason(models.TextChoices):
        BY_CUSTOMER = "cancelled_by_customer", _("Cancelled by the customer")
        BY_MERCHANT = "cancelled_by_merchant", _("Cancelled by the merchant")
        BY_MERCHANT_DUNNING = "cancelled_by_merchant_send_dunning", _("Cancelled, dunning sent")
        BY_MERCHANT_GRACE_EXPIRED = (
            "cancelled_by_merchant_grace_period_expired",
            _("Grace period expired"),
        )
        DODO_TEAM = "dodo_team", _("Cancelled by support")

    class Feedback(models.TextChoices):  # the contract's cancellation_feedback
        TOO_EXPENSIVE = "too_expensive", _("Too expensive")
        MISSING_FEATURES = "missing_features", _("Missing features")
        SWITCHED_SERVICE = "switched_service", _("Switched to another service")
        UNUSED = "unused", _("Not used enough")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        LOW_QUALITY = "low_quality", _("Low quality")
        TOO_COMPLEX = "too_complex", _("Too complex")
        OTHER = "other", _("Other")

    class CancelledBy(models.TextChoices):  # the contract's cancelled_by.actor_type
        CUSTOMER = "customer", _("Customer")
        MERCHANT_USER = "merchant_user", _("Team member")
        API_KEY = "api_key", _("API key")
        DODO_TEAM = "dodo_team", _("System")

    # Statuses the "Active subscriptions" tab shows by default: not ended.
    CURRENT = (Status.PENDING, Status.ACTIVE, Status.ON_HOLD, Status.PAUSED, Status.PAST_DUE)
    # Statuses that can still be cancelled.
    CANCELLABLE = (Status.ACTIVE, Status.ON_HOLD, Status.PAUSED, Status.PAST_DUE, Status.PENDING)

    id = PublicIdField(prefix="sub")
    # Indexed by subscription_customer_created, which leads with the business.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="subscriptions", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Minor units of `currency` charged each period for the whole quantity, before tax.
    recurring_pre_tax_amount = models.BigIntegerField(_("recurring amount"))
    tax_inclusive = models.BooleanField(_("tax inclusive"), default=False)
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217
    payment_frequency_count = models.PositiveIntegerField(_("billed every"), default=1)
    payment_frequency_interval = models.CharField(
        _("billing interval"), max_length=5, choices=TimeInterval.choices
    )
    subscription_period_count = models.PositiveIntegerField(default=20)
    subscription_period_interval = models.CharField(
        max_length=5, choices=TimeInterval.choices, default=TimeInterval.YEAR
    )
    previous_billing_date = models.DateTimeField(_("previous billing date"))  # period start
    next_billing_date = models.DateTimeField(_("next billing date"))  # period end
    cancel_at_next_billing_date = models.BooleanField(
        _("cancel at next billing date"), default=False
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("cancel reason"), max_length=50, choices=CancelReason.choices, blank=True
    )
    cancellation_feedback = models.CharField(
        _("cancellation feedback"), max_length=20, choices=Feedback.choices, blank=True
    )
    cancellation_comment = models.TextField(_("cancellation comment"), blank=True)
    cancelled_by_type = models.CharField(
        _("cancelled by"), max_length=15, choices=CancelledBy.choices, blank=True
    )
    cancelled_by_label = models.CharField(max_length=255, blank=True)  # e-mail or key name
    # Set while paused: when it was paused (resuming moves the billing date by the pause).
    # (The columns below have database defaults too, so bulk loads that predate them
    # still insert.)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    # The name on this subscription's invoices; empty means the customer's own name.
    customer_name = models.CharField(
        _("name on invoices"), max_length=255, blank=True, default="", db_default=""
    )
    tax_id = models.CharField(_("tax ID"), max_length=64, blank=True, default="", db_default="")
    # The billing address (country, state, city, street, zipcode); {} means derived
    # from the currency.
    billing = models.JSONField(
        _("billing address"), default=dict, db_default=Value({}, JSONField()), blank=True
    )
    # A retention discount: percent off each of the next `discount_cycles_remaining`
    # renewals (0 cycles left means none).
    discount_percent = models.PositiveSmallIntegerField(default=0, db_default=0)  # 0–100
    discount_cycles_remaining = models.PositiveSmallIntegerField(default=0, db_default=0)
    # The saved method renewals charge; none: the customer's default, then the last card used.
    payment_method = models.ForeignKey(
        "customers.SavedPaymentMethod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions",
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(
                fields=["business", "created_at", "id"], name="subscription_business_created"
            ),
            models.Index(
                fields=["business", "customer", "created_at", "id"],
                name="subscription_customer_created",
            ),
            # The renewal run's scan: only active rows, by due date.
            models.Index(
                fields=["next_billing_date"],
                condition=Q(status="active"),
                name="subscription_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurring_pre_tax_amount__gte=0), name="subscription_amount_valid"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=100), name="subscription_discount_percent_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="paused") | Q(paused_at__isnull=False),
                name="subscription_paused_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.pk

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT

    @property
    def can_cancel(self) -> bool:
        return self.status in self.CANCELLABLE

    @property
    def renewal_amount(self) -> int:
        """What the next renewal charges: the recurring amount less a retention discount
        (rounded down to the minor unit, in the customer's favour)."""
        if self.discount_cycles_remaining and self.discount_percent:
            return self.recurring_pre_tax_amount * (100 - self.discount_percent) // 100
        return self.recurring_pre_tax_amount

    @property
    def monthly_amount(self) -> int:
        """Its recurring amount per month (minor units), as the kept MRR counts it
        (`customers.reports.summaries`): a yearly price is a twelfth, a weekly one
        52/12, a daily one 365/12, each divided by how many intervals it covers."""
        n = max(self.payment_frequency_count, 1)
        amount = self.recurring_pre_tax_amount
        match self.payment_frequency_interval:
            case TimeInterval.DAY:
                return amount * 365 // (12 * n)
            case TimeInterval.WEEK:
                return amount * 52 // (12 * n)
            case TimeInterval.YEAR:
                return amount // (12 * n)
        return amount // n

    @property
    def discount_text(self) -> str:
        """ "20% off 2 renewals", while a discount lasts (the details page's tab)."""
        cycles = self.discount_cycles_remaining
        return ngettext(
            "%(percent)s%% off %(cycles)s renewal", "%(percent)s%% off %(cycles)s renewals", cycles
        ) % {"percent": self.discount_percent, "cycles": cycles}

    @property
    def frequency_label(self) -> str:
        """ "Month", "3 × Month"…: how often it bills."""
        interval = self.get_payment_frequency_interval_display()
        if self.payment_frequency_count == 1:
            return str(interval)
        return f"{self.payment_frequency_count} × {interval}"
