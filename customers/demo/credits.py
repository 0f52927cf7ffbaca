"""Demo credits: three credit entitlements ("API calls" with overage, "Render minutes"
with one decimal, "Support hours" with two) and, for about 8% of the customers
seed_demo just added, grants and spending of some of them.

Written with bulk inserts (COPY on PostgreSQL), like the demo wallets, but every row
obeys the credit ledger's rules, so `verify_ledgers` passes afterwards: each grant has
its one credit entry; each debit takes FIFO by expiry (never-expiring last) with one
allocation per grant it touched; a debit beyond the balance (API calls only) leaves
the rest as overage, within the entitlement's limit, and is the balance's last entry;
a balance is its grants' remaining total and its last entry's balance and overage.
Demo grants expire in the future or never, so the expiry job has nothing to do at once.
The entitlements are made by the service (with their Events); grants and entries carry
no Event rows.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from customers.audit import Actor
from customers.core.bulk import bulk_insert, sampled
from customers.core.ids import new_id
from customers.models import Business, Customer, Event
from wallets.credits.amounts import step as smallest
from wallets.credits.entitlements import entitlement_create
from wallets.credits.models import (
    MILLI,
    CreditAllocation,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
    GrantSource,
    TransactionType,
)

SHARE = 0.08  # of the added customers hold credits…
MINIMUM = 40  # …but at least this many (or all of them)
HISTORY = dt.timedelta(days=120)

# name, unit, precision, overage limit (whole credits; None: no overage), share of the
# credit holders who hold it, grant sizes (whole credits, low-high), step of a grant.
ENTITLEMENTS = [
    ("API calls", "calls", 0, 500, 0.9, (1_000, 20_000), 500),
    ("Render minutes", "minutes", 1, None, 0.45, (30, 600), 0.5),
    ("Support hours", "hours", 2, None, 0.2, (1, 10), 0.25),
]
OVERAGE_SHARE = 0.12  # of API-call holders whose last debit went beyond the balance

BALANCE_COLUMNS = [
    "id",
    "business_id",
    "entitlement_id",
    "customer_id",
    "balance",
    "overage",
    "last_sequence",
    "created_at",
    "updated_at",
    "last_transaction_at",
]
GRANT_COLUMNS = [
    "id",
    "business_id",
    "credit_balance_id",
    "entitlement_id",
    "customer_id",
    "source_type",
    "source_id",
    "initial_amount",
    "remaining_amount",
    "expires_at",
    "rollover_count",
    "is_expired",
    "is_rolled_over",
    "metadata",
    "created_at",
    "updated_at",
]
ENTRY_COLUMNS = [
    "id",
    "business_id",
    "credit_balance_id",
    "entitlement_id",
    "customer_id",
    "grant_id",
    "sequence",
    "transaction_type",
    "is_credit",
    "amount",
    "balance_before",
    "balance_after",
    "overage_before",
    "overage_after",
    "reason",
    "metadata",
    "reference_id",
    "reference_type",
    "idempotency_key",
    "request_fingerprint",
    "actor_kind",
    "actor_id",
    "actor_label",
    "created_at",
]
ALLOCATION_COLUMNS = ["business_id", "entry_id", "grant_id", "amount"]


@dataclass
class CreditCounts:
    customers: int = 0  # customers given credits
    balances: int = 0
    grants: int = 0
    entries: int = 0


@dataclass
class _Grant:
    id: str
    source: str
    initial: int  # thousandths
    expires_at: dt.datetime | None
    created_at: dt.datetime
    remaining: int = 0


@dataclass
class _Balance:
    """One customer's credits of one entitlement, built in memory, then written."""

    id: str
    entitlement: CreditEntitlement
    customer_id: str
    grants: list[_Grant] = field(default_factory=list)
    entries: list[tuple] = field(default_factory=list)  # ENTRY_COLUMNS[6:14] + time
    allocations: list[tuple[str, str, int]] = field(default_factory=list)  # entry, grant, n
    balance: int = 0
    overage: int = 0

    def credit(self, grant: _Grant) -> None:
        grant.remaining = grant.initial
        self.grants.append(grant)
        before = (self.balance, self.overage)
        self.balance += grant.initial
        self._entry(
            new_id("cle"),
            TransactionType.CREDIT_ADDED,
            True,
            grant.initial,
            before,
            grant,
            grant.created_at,
        )

    def debit(self, amount: int, when: dt.datetime, *, overage_limit: int = 0) -> None:
        """Take FIFO by expiry; past the balance, up to `overage_limit` goes to overage."""
        entry_id, before, taken = new_id("cle"), (self.balance, self.overage), 0
        fifo = sorted(
            (g for g in self.grants if g.remaining),
            key=lambda g: (g.expires_at is None, g.expires_at or when, g.created_at),
        )
        for grant in fifo:
            part = min(grant.remaining, amount - taken)
            if part <= 0:
                break
            grant.remaining -= part
            taken += part
            self.allocations.append((entry_id, grant.id, part))
        over = min(amount - taken, overage_limit)
        if not taken and not over:
            return
        self.balance -= taken
        self.overage += over
        first = fifo[0] if taken else None
        self._entry(
            entry_id, TransactionType.CREDIT_DEDUCTED, False, taken + over, before, first, when
        )

    def _entry(self, entry_id, kind, is_credit, amount, before, grant, when) -> None:
        self.entries.append(
            (
                entry_id,
                grant.id if grant else None,
                len(self.entries) + 1,
                kind.value,
                is_credit,
                amount,
                before[0],
                self.balance,
                before[1],
                self.overage,
                when,
            )
        )


def credit_customers(added: int) -> int:
    """How many of `added` new customers get credits: SHARE of them, at least MINIMUM."""
    return max(round(added * SHARE), min(added, MINIMUM))


def demo_entitlements(business: Business) -> list[tuple[CreditEntitlement, tuple]]:
    """The business's demo entitlements (made once, by the service), with their plans."""
    live = {e.name: e for e in CreditEntitlement.objects.for_business(business).live()}
    made = []
    for spec in ENTITLEMENTS:
        name, unit, precision, overage_limit = spec[:4]
        found = live.get(name) or entitlement_create(
            business=business,
            actor=Actor.system("demo data"),
            name=name,
            unit=unit,
            precision=precision,
            overage_enabled=overage_limit is not None,
            overage_limit=overage_limit,
            rollover_enabled=False,
        )
        made.append((found, spec))
    return made


def _plan(rng, balance: _Balance, spec, start: dt.datetime, now: dt.datetime) -> None:
    """A few grants (one-time packs or subscription credits) and the spending since."""
    _name, _unit, precision, overage_limit, _share, (low, high), step = spec
    unit = smallest(precision)  # a debit is whole steps of the entitlement's precision
    when = start
    for n in range(rng.randint(1, 4)):
        when = min(now, when + (now - when) * rng.random() * 0.5)
        if n and balance.balance and rng.random() < 0.55:
            amount = rng.randint(1, balance.balance) // unit * unit
            if amount:
                balance.debit(amount, when)
            continue
        credits = rng.randrange(int(low / step), int(high / step) + 1) * step
        expires = None if rng.random() < 0.5 else now + dt.timedelta(days=rng.randint(20, 90))
        source = GrantSource.SUBSCRIPTION if rng.random() < 0.4 else GrantSource.ONE_TIME
        grant = _Grant(new_id("cgr"), source.value, round(credits * MILLI), expires, when)
        balance.credit(grant)
    if overage_limit and rng.random() < OVERAGE_SHARE:
        extra = rng.randint(1, overage_limit) * MILLI
        last = min(now, when + dt.timedelta(hours=6))
        balance.debit(balance.balance + extra, last, overage_limit=overage_limit * MILLI)


def seed_credits(
    *,
    business: Business,
    seed: int,
    customer_id_floor: str = "",
    progress: Callable[[int], None] | None = None,
) -> CreditCounts:
    """Give credit histories to a random `credit_customers(n)` of the business's n
    customers whose ID is ≥ `customer_id_floor` (those seed_demo just added), skipping
    any who hold credits already. Call it inside a transaction."""
    rng = random.Random(seed * 7_919 + 3)
    entitlements = demo_entitlements(business)
    # The new customers by key, and per chunk which of them hold credits already (one
    # IN lookup): a NOT EXISTS per chunk query is planned on the stale statistics of a
    # table that just grew in this transaction, and scanned it for minutes at 200k.
    added = Customer.objects.for_business(business).filter(pk__gte=customer_id_floor)
    total = added.count()
    wanted = credit_customers(total)
    counts = CreditCounts()
    now = timezone.now()

    def holding(chunk: list[str]) -> set[str]:
        held = CreditBalance.objects.filter(business=business, customer_id__in=chunk)
        return set(held.values_list("customer_id", flat=True))

    chunks = sampled(added, total=total, wanted=wanted, rng=rng, skip=holding, progress=progress)
    for _chunk, chosen, joined in chunks:
        counts.customers += len(chosen)
        balances = []
        for customer_id in chosen:
            start = max(joined[customer_id], now - HISTORY)
            held = [(e, spec) for e, spec in entitlements if rng.random() < spec[4]]
            for ent, spec in held or entitlements[:1]:
                balance = _Balance(new_id("ccb"), ent, customer_id)
                _plan(rng, balance, spec, start, now)
                balances.append(balance)
        if balances:
            counts.balances += bulk_insert(
                CreditBalance, BALANCE_COLUMNS, _balance_rows(business, balances)
            )
            counts.grants += bulk_insert(
                CreditGrant, GRANT_COLUMNS, _grant_rows(business, balances)
            )
            counts.entries += bulk_insert(
                CreditLedgerEntry, ENTRY_COLUMNS, _entry_rows(business, balances)
            )
            bulk_insert(
                CreditAllocation,
                ALLOCATION_COLUMNS,
                ((business.pk, *a) for b in balances for a in b.allocations),
            )
    return counts


def _balance_rows(business: Business, balances: list[_Balance]) -> Iterator[tuple]:
    for b in balances:
        first, final = b.entries[0][-1], b.entries[-1][-1]
        yield (
            b.id,
            business.pk,
            b.entitlement.pk,
            b.customer_id,
            b.balance,
            b.overage,
            len(b.entries),
            first,
            final,
            final,
        )


def _grant_rows(business: Business, balances: list[_Balance]) -> Iterator[tuple]:
    for b in balances:
        for g in b.grants:
            yield (
                g.id,
                business.pk,
                b.id,
                b.entitlement.pk,
                b.customer_id,
                g.source,
                "",
                g.initial,
                g.remaining,
                g.expires_at,
                0,
                False,
                False,
                {},
                g.created_at,
                g.created_at,
            )


def _entry_rows(business: Business, balances: list[_Balance]) -> Iterator[tuple]:
    for b in balances:
        for entry_id, grant_id, sequence, kind, is_credit, amount, *moves, when in b.entries:
            reason = "Credit pack" if is_credit else "Usage"
            yield (
                entry_id,
                business.pk,
                b.id,
                b.entitlement.pk,
                b.customer_id,
                grant_id,
                sequence,
                kind,
                is_credit,
                amount,
                *moves,
                reason,
                {},
                "",
                "",
                "",
                "",
                Event.ActorKind.SYSTEM.value,
                "",
                "demo data",
                when,
            )
