"""Customer wallets and their append-only ledger.

Design (in the spirit of django-hordak: the database enforces what it can):

* A `Wallet` is one customer's balance in one currency, in integer minor units.
  It is created on first credit and never deleted. `balance` is a cache of the
  ledger — `credits − debits` of its entries — kept in step because both change
  in one transaction, and checked by `manage.py verify_ledgers`.
* A `LedgerEntry` is one credit or debit. Rows are appended, never edited: a
  mistake is corrected by a new entry of the opposite direction that points at
  the original (`reference_id`). Each row records the balance before and after
  it and its `sequence`, the wallet's entry number (1, 2, 3, …), so the history
  of every wallet is a continuous chain: entry n's `balance_before` is entry
  n−1's `balance_after`, the first starts at 0, the last ends at `balance`.
* Constraints back the rules even against code that bypasses the service:
  `balance >= 0`, `amount > 0`, `balance_after = balance_before ± amount`,
  one entry per `(wallet, sequence)`, and one entry per `(business,
  idempotency_key)` for non-empty keys. On PostgreSQL a trigger rejects UPDATE
  and DELETE on ledger entries (migration 0002).
* Only `wallets.services.ledger_post` writes entries; see its docstring for the
  locking and idempotency design.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models import Business, BusinessScopedQuerySet, Customer, Event

MAX_MINOR_UNITS = 2**63 - 1  # the largest amount or balance: PostgreSQL's bigint


class Direction(models.TextChoices):
    CREDIT = "credit", _("Credit")
    DEBIT = "debit", _("Debit")


class EventType(models.TextChoices):
    """Why money moved; the API contract's `event_type` values."""

    PAYMENT = "payment", _("Payment")
    PAYMENT_REVERSAL = "payment_reversal", _("Payment reversal")
    REFUND = "refund", _("Refund")
    REFUND_REVERSAL = "refund_reversal", _("Refund reversal")
    DISPUTE = "dispute", _("Dispute")
    DISPUTE_REVERSAL = "dispute_reversal", _("Dispute reversal")
    MERCHANT_ADJUSTMENT = "merchant_adjustment", _("Merchant adjustment")
    # Ours, beyond the contract: money the customer paid in through the portal, the
    # merchant's promotional bonus on it, and both going back when the top-up is
    # refunded. Paid and promotional money are never the same entry.
    TOP_UP = "top_up", _("Top-up")
    TOP_UP_REFUND = "top_up_refund", _("Top-up refunded")
    PROMOTIONAL_BONUS = "promotional_bonus", _("Promotional bonus")
    BONUS_REVERSAL = "bonus_reversal", _("Promotional bonus taken back")


class Wallet(models.Model):
    """One customer's balance in one currency."""

    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="wallets", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="wallets", db_index=False
    )
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217, upper case
    balance = models.BigIntegerField(_("balance"), default=0)  # minor units, never below 0
    last_sequence = models.BigIntegerField(default=0)  # how many entries; the last one's number
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)  # last entry

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer", "currency"], name="wallet_unique_currency"
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(last_sequence__gte=0), name="wallet_sequence_not_negative"
            ),
        ]
        indexes = [
            # Serves reverse lookups from a customer (PROTECT checks, admin).
            models.Index(fields=["customer"], name="wallet_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency} {self.balance}"


class LedgerEntry(models.Model):
    """One credit or debit of one wallet; appended, never edited."""

    id = PublicIdField(prefix="wle")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    currency = models.CharField(_("currency"), max_length=3)  # the wallet's, copied
    sequence = models.BigIntegerField()  # 1, 2, 3, … within the wallet: the chain order
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    event_type = models.CharField(_("event type"), max_length=20, choices=EventType.choices)
    amount = models.BigIntegerField(_("amount"))  # minor units, > 0; the sign is `direction`
    balance_before = models.BigIntegerField(_("balance before"))  # minor units
    balance_after = models.BigIntegerField(_("balance after"))  # minor units, before ± amount
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # internal note
    # What the customer reads in their portal; empty shows the event type's plain name.
    # db_default: rows inserted in bulk (demo data, imports) without it get "".
    description = models.CharField(
        _("description for the customer"), max_length=200, blank=True, db_default=""
    )
    reference_id = models.CharField(_("reference"), max_length=64, blank=True)  # pay_…, ref_…
    idempotency_key = models.CharField(max_length=255, blank=True)  # "" when none was given
    request_fingerprint = models.CharField(max_length=64)  # sha256 of the request's parameters
    actor_kind = models.CharField(max_length=10, choices=Event.ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)  # e-mail or key name, as it was
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledgerentry_amount_positive"),
            models.CheckConstraint(
                condition=Q(balance_before__gte=0, balance_after__gte=0),
                name="ledgerentry_balances_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(direction="credit", balance_after=F("balance_before") + F("amount"))
                    | Q(direction="debit", balance_after=F("balance_before") - F("amount"))
                ),
                name="ledgerentry_balance_after_matches",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="ledgerentry_sequence_positive"
            ),
            models.UniqueConstraint(
                fields=["business", "wallet", "sequence"], name="ledgerentry_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="ledgerentry_unique_idempotency_key",
            ),
        ]
        indexes = [
            # The customer's ledger, newest first (the wallet tab and the API).
            models.Index(
                fields=["business", "customer", "-created_at", "-id"],
                name="ledgerentry_customer_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.direction} {self.amount} {self.currency}"

    @property
    def is_credit(self) -> bool:
        return self.direction == Direction.CREDIT

    @property
    def customer_description(self) -> str:
        """What the customer is shown: the merchant's description for them, else the
        event type's plain name ("Merchant adjustment"); never the internal reason."""
        return self.description or str(self.get_event_type_display())


class TopUpSettings(models.Model):
    """One business's rules for portal top-ups of one wallet currency: the bounds and
    the promotional bonus ("+10% on top-ups of $50 or more")."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)  # one of WALLET_CURRENCIES
    enabled = models.BooleanField(_("customers can top up in the portal"), default=True)
    min_amount = models.BigIntegerField(_("smallest top-up"), default=500)  # minor units, > 0
    max_amount = models.BigIntegerField(_("largest top-up"), default=500_000)  # minor units
    bonus_percent = models.PositiveSmallIntegerField(_("bonus (%)"), default=0)  # 0 = no bonus
    # The bonus applies to top-ups of at least this many minor units.
    bonus_min_amount = models.BigIntegerField(_("bonus from"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("top-up settings")
        verbose_name_plural = _("top-up settings")
        constraints = [
            models.UniqueConstraint(fields=["business", "currency"], name="topup_one_per_currency"),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, max_amount__gte=F("min_amount")),
                name="topup_bounds_valid",
            ),
            models.CheckConstraint(
                condition=Q(bonus_percent__lte=100, bonus_min_amount__gte=0),
                name="topup_bonus_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.currency}"

    def bonus_for(self, amount: int) -> int:
        """The promotional bonus on a top-up of `amount` minor units (rounded down)."""
        if not self.bonus_percent or amount < self.bonus_min_amount:
            return 0
        return amount * self.bonus_percent // 100


# Credits live in this app (same ledger rules); their models are registered here.
from wallets.credits.models import (  # noqa: E402, F401
    CreditAllocation,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
    ProductCredit,
)
