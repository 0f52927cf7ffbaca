"""Credit entitlements, grants, balances and the append-only credit ledger.

Design (the wallet ledger's rules, `wallets.models`, applied to credits):

* A `CreditEntitlement` is a merchant-defined unit ("API calls"). Its `precision`
  (0–3 decimals) is fixed at creation. Every amount is stored as an integer count of
  thousandths of a unit (`MILLI` per unit), so no float or rounding ever touches a
  balance; the API reads and writes decimal strings.
* A `CreditGrant` is one lot of credits given to one customer: `initial_amount`,
  `remaining_amount` (0 ≤ remaining ≤ initial), an optional `expires_at`. Debits
  consume grants FIFO by expiry (earliest `expires_at` first, never-expiring last,
  then oldest first). On PostgreSQL a trigger lets a grant's remaining amount only
  go down, its expired/rolled-over flags only go from false to true, and refuses
  DELETE (migration 0004).
* A `CreditBalance` is one customer's balance of one entitlement: `balance` (the
  sum of its grants' remaining amounts) and `overage` (credits spent beyond it,
  when the entitlement allows overage). Both are caches of the ledger, kept in step
  in one transaction and checked by `verify_ledgers`.
* A `CreditLedgerEntry` is one operation on a balance (a credit, a debit, an
  expiry, one side of a rollover). It records balance and overage before and after
  and its `sequence` in the balance's chain, exactly like a wallet entry. A debit
  that spans several grants is ONE entry with one `CreditAllocation` row per grant
  it took credits from (its splits): every decrease of a grant's remaining amount
  is an allocation, so `remaining = initial − Σ allocations` for every grant and
  `Σ allocations = (amount if credit else 0) − (balance_after − balance_before)`
  for every entry (a credit that repays overage allocates the repaid part from
  the grant it created). Entries and allocations are append-only (trigger).
* Only `wallets.credits.services` writes grants, balances, entries and
  allocations; see its docstring for locking and idempotency.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models import (
    Business,
    BusinessScopedQuerySet,
    Customer,
    Event,
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


class CreditBalance(models.Model):
    """One customer's credits of one entitlement."""

    id = PublicIdField(prefix="ccb")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="credit_balances", db_index=False
    )
    entitlement = models.ForeignKey(
        CreditEntitlement, on_delete=models.PROTECT, related_name="balances", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_balances", db_index=False
    )
    balance = models.BigIntegerField(default=0)  # 1/1000 credits; Σ grants' remaining, ≥ 0
    overage = models.BigIntegerField(default=0)  # 1/1000 credits spent beyond it, ≥ 0
    last_sequence = models.BigIntegerField(default=0)  # number of entries; the last one's
    # Lowest low-balance threshold already alerted since the balance was last above it.
    alerted_threshold = models.BigIntegerField(null=True, blank=True)  # whole credits
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_transaction_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit balance")
        verbose_name_plural = _("credit balances")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "entitlement", "customer"], name="creditbalance_unique"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0, overage__gte=0, last_sequence__gte=0),
                name="creditbalance_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["business", "customer", "entitlement"], name="creditbalance_customer"
            ),
            models.Index(
                fields=["business", "entitlement", "-created_at", "-id"],
                name="creditbalance_entitlement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.entitlement_id} {self.balance}"


class CreditGrant(models.Model):
    """One lot of credits given to a customer; consumed FIFO by expiry."""

    id = PublicIdField(prefix="cgr")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="credit_grants", db_index=False
    )
    credit_balance = models.ForeignKey(
        CreditBalance, on_delete=models.PROTECT, related_name="grants", db_index=False
    )
    entitlement = models.ForeignKey(
        CreditEntitlement, on_delete=models.PROTECT, related_name="grants", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_grants", db_index=False
    )
    source_type = models.CharField(max_length=12, choices=GrantSource.choices)
    source_id = models.CharField(max_length=64, blank=True)  # pay_…, sub_…, cgr_… or ""
    initial_amount = models.BigIntegerField()  # 1/1000 credits, > 0
    remaining_amount = models.BigIntegerField()  # 1/1000 credits, 0 ≤ remaining ≤ initial
    expires_at = models.DateTimeField(null=True, blank=True)  # null: never
    rollover_count = models.PositiveIntegerField(default=0)  # rollovers behind this grant
    parent_grant = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_expired = models.BooleanField(default=False)
    is_rolled_over = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)  # expiry reminder sent
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit grant")
        verbose_name_plural = _("credit grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(initial_amount__gt=0)
                & Q(remaining_amount__gte=0)
                & Q(remaining_amount__lte=F("initial_amount")),
                name="creditgrant_remaining_within_initial",
            ),
            models.CheckConstraint(
                condition=Q(is_expired=False) | Q(remaining_amount=0),
                name="creditgrant_expired_is_empty",
            ),
        ]
        indexes = [
            # FIFO: a balance's spendable grants, earliest expiry first (ascending
            # b-tree order puts NULL, never expiring, last on PostgreSQL).
            models.Index(
                fields=["credit_balance", "expires_at", "created_at", "id"],
                name="creditgrant_fifo",
                condition=Q(remaining_amount__gt=0),
            ),
            # The expiry job: live grants by expiry time.
            models.Index(
                fields=["expires_at"],
                name="creditgrant_due",
                condition=Q(is_expired=False, expires_at__isnull=False),
            ),
            models.Index(
                fields=["business", "customer", "entitlement", "-created_at", "-id"],
                name="creditgrant_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.remaining_amount}/{self.initial_amount}"

    def status(self, now=None) -> str:
        if self.is_expired or (self.expires_at and self.expires_at <= (now or timezone.now())):
            return "expired"
        return "active" if self.remaining_amount > 0 else "depleted"


class CreditLedgerEntry(models.Model):
    """One operation on a credit balance; appended, never edited."""

    id = PublicIdField(prefix="cle")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="credit_entries", db_index=False
    )
    credit_balance = models.ForeignKey(
        CreditBalance, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    entitlement = models.ForeignKey(
        CreditEntitlement, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_entries", db_index=False
    )
    # The grant a credit created, or the first grant a debit or expiry took from.
    grant = models.ForeignKey(
        CreditGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sequence = models.BigIntegerField()  # 1, 2, 3, … within the balance
    transaction_type = models.CharField(max_length=20, choices=TransactionType.choices)
    is_credit = models.BooleanField()
    amount = models.BigIntegerField()  # 1/1000 credits, > 0
    balance_before = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    overage_before = models.BigIntegerField(default=0)
    overage_after = models.BigIntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)  # pay_…, sub_…, cgr_…
    reference_type = models.CharField(max_length=20, blank=True)  # payment, subscription, grant
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)  # sha256 of the request
    actor_kind = models.CharField(max_length=10, choices=Event.ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit ledger entry")
        verbose_name_plural = _("credit ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="creditentry_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    balance_before__gte=0,
                    balance_after__gte=0,
                    overage_before__gte=0,
                    overage_after__gte=0,
                    sequence__gte=1,
                ),
                name="creditentry_not_negative",
            ),
            # What the entry moved is its amount: into the balance or out of the overage
            # (a credit), out of the balance or into the overage (a debit).
            models.CheckConstraint(
                condition=Q(
                    is_credit=True,
                    amount=F("balance_after")
                    - F("balance_before")
                    + F("overage_before")
                    - F("overage_after"),
                )
                | Q(
                    is_credit=False,
                    amount=F("balance_before")
                    - F("balance_after")
                    + F("overage_after")
                    - F("overage_before"),
                ),
                name="creditentry_amount_matches",
            ),
            models.UniqueConstraint(
                fields=["business", "credit_balance", "sequence"], name="creditentry_sequence"
            ),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="creditentry_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["business", "customer", "entitlement", "-created_at", "-id"],
                name="creditentry_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.transaction_type} {self.amount}"


class CreditAllocation(models.Model):
    """The part of one ledger entry taken from one grant (a debit's split)."""

    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    entry = models.ForeignKey(
        CreditLedgerEntry, on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    grant = models.ForeignKey(CreditGrant, on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField()  # 1/1000 credits, > 0

    class Meta:
        app_label = "wallets"
        verbose_name = _("credit allocation")
        verbose_name_plural = _("credit allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="creditallocation_positive"),
            models.UniqueConstraint(fields=["entry", "grant"], name="creditallocation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.grant_id} {self.amount}"


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
