"""Credit entitlements (a merchant's credit units), their enumerations, and the
credits a product grants. The design is in `wallets.credits.models`."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models import (
    Business,
    BusinessScopedQuerySet,
    Product,
    TimeInterval,
)

MILLI = 1000  # stored units per credit: amounts are integers of 1/1000 credit
MAX_PRECISION = 3  # decimals a merchant may choose (0–3)
MAX_AMOUNT = 10**10 * MILLI - 1  # one entry: below 10^10 credits, as Dodo bounds it
MAX_STORED = 2**63 - 1  # a balance or a grant: PostgreSQL's bigint


class OverageBehavior(models.TextChoices):
    FORGIVE_AT_RESET = "forgive_at_reset", _("Forgive at reset")
    INVOICE_AT_BILLING = "invoice_at_billing", _("Invoice at billing")
    CARRY_DEFICIT = "carry_deficit", _("Carry the deficit")
    CARRY_DEFICIT_AUTO_REPAY = "carry_deficit_auto_repay", _("Carry the deficit, repay it")


class GrantSource(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    ONE_TIME = "one_time", _("One-time purchase")
    ADDON = "addon", _("Add-on")
    API = "api", _("API")
    ROLLOVER = "rollover", _("Rollover")
    PROMOTIONAL = "promotional", _("Promotional")


class TransactionType(models.TextChoices):
    """Why credits moved; the official client's `transaction_type` values."""

    CREDIT_ADDED = "credit_added", _("Credits added")
    CREDIT_DEDUCTED = "credit_deducted", _("Credits used")
    CREDIT_EXPIRED = "credit_expired", _("Credits expired")
    CREDIT_ROLLED_OVER = "credit_rolled_over", _("Credits rolled over")
    ROLLOVER_FORFEITED = "rollover_forfeited", _("Rollover forfeited")
    OVERAGE_CHARGED = "overage_charged", _("Overage charged")
    OVERAGE_RESET = "overage_reset", _("Overage reset")
    AUTO_TOP_UP = "auto_top_up", _("Auto top-up")
    MANUAL_ADJUSTMENT = "manual_adjustment", _("Manual adjustment")
    REFUND = "refund", _("Refund")


class CreditEntitlementQuerySet(BusinessScopedQuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)


class CreditEntitlement(models.Model):
    """A merchant-defined credit unit and the rules its grants follow."""

    id = PublicIdField(prefix="cde")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="credit_entitlements", db_index=False
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.CharField(_("description"), max_length=1000, blank=True)
    unit = models.CharField(_("unit"), max_length=100)  # "API calls", shown after amounts
    precision = models.PositiveSmallIntegerField(_("decimals"), default=0)  # 0–3, fixed
    currency = models.CharField(_("currency"), max_length=3, blank=True)  # ISO 4217 or ""
    # Per credit, in the currency's major unit ("0.002"); null when not priced.
    price_per_unit = models.DecimalField(
        _("price per credit"), max_digits=24, decimal_places=12, null=True, blank=True
    )
    expires_after_days = models.PositiveIntegerField(_("expires after days"), null=True, blank=True)
    rollover_enabled = models.BooleanField(_("rollover"), default=False)
    rollover_percentage = models.PositiveSmallIntegerField(null=True, blank=True)  # 0–100
    rollover_timeframe_count = models.PositiveIntegerField(null=True, blank=True)
    rollover_timeframe_interval = models.CharField(
        max_length=5, choices=TimeInterval.choices, blank=True
    )
    max_rollover_count = models.PositiveIntegerField(null=True, blank=True)  # null: no limit
    overage_enabled = models.BooleanField(_("overage"), default=False)
    overage_limit = models.BigIntegerField(null=True, blank=True)  # whole credits; null: none
    overage_behavior = models.CharField(
        max_length=24, choices=OverageBehavior.choices, default=OverageBehavior.FORGIVE_AT_RESET
    )
    # Low-balance alerts: whole credits, decreasing ([100, 10]); [] means none.
    low_balance_thresholds = models.JSONField(default=list, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # soft delete
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CreditEntitlementQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit entitlement")
        verbose_name_plural = _("credit entitlements")
        constraints = [
            models.CheckConstraint(
                condition=Q(precision__lte=MAX_PRECISION), name="creditentitlement_precision"
            ),
            models.CheckConstraint(
                condition=Q(expires_after_days__isnull=True) | Q(expires_after_days__gte=1),
                name="creditentitlement_expiry_positive",
            ),
            models.CheckConstraint(
                condition=Q(rollover_percentage__isnull=True) | Q(rollover_percentage__lte=100),
                name="creditentitlement_rollover_percentage",
            ),
            models.CheckConstraint(
                condition=Q(rollover_timeframe_count__isnull=True, rollover_timeframe_interval="")
                | Q(rollover_timeframe_count__gte=1) & ~Q(rollover_timeframe_interval=""),
                name="creditentitlement_timeframe_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(price_per_unit__isnull=True) | ~Q(currency=""),
                name="creditentitlement_price_has_currency",
            ),
            models.CheckConstraint(
                condition=Q(overage_limit__isnull=True) | Q(overage_limit__gte=0),
                name="creditentitlement_overage_limit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["business", "-created_at", "-id"], name="creditentitlement_created"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ProductCredit(models.Model):
    """Credits a product grants: per purchase (one-time) or per billing period."""

    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="credits")
    entitlement = models.ForeignKey(
        CreditEntitlement, on_delete=models.PROTECT, related_name="products"
    )
    amount = models.BigIntegerField()  # 1/1000 credits per purchase or period, > 0

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("product credits")
        verbose_name_plural = _("product credits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="productcredit_positive"),
            models.UniqueConstraint(
                fields=["business", "product", "entitlement"], name="productcredit_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.entitlement_id} {self.amount}"
