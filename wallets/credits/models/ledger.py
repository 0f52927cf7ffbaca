"""Credit balances, grants, ledger entries and their allocations (the design is in
`wallets.credits.models`)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models import Business, BusinessScopedQuerySet, Customer, Event
from wallets.credits.models.entitlements import CreditEntitlement, GrantSource, TransactionType


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
    # The customer's auto top-up threshold (1/1000 credits; None: none is on), copied from
    # CreditAutoTopUp so a debit sees a crossing without another query.
    auto_top_up_below = models.BigIntegerField(null=True, blank=True)
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
