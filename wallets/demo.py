"""Demo wallets: a few credits and debits for about 3% of the customers seed_demo
just added, picked at random so old and new customers alike have wallets.

Written with bulk inserts (COPY on PostgreSQL) rather than `ledger_post`, so
seeding stays fast at a million customers — a chunk of customers at a time, a
few queries per chunk, rows streamed from generators — but every row obeys the
ledger's invariants: each wallet's entries are numbered 1, 2, 3…, each starts at
the previous balance, no balance goes below zero, and the wallet's balance and
last_sequence are the last entry's balance_after and number — `verify_ledgers`
passes afterwards. Demo entries carry no Event rows.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from customers.core.bulk import bulk_insert, sampled
from customers.core.ids import new_id
from customers.models import Business, Customer, Event
from wallets.models import Direction, EventType, LedgerEntry, Wallet
from wallets.services import request_fingerprint, supported_currencies

SHARE = 0.03  # of the added customers get wallets…
MINIMUM = 60  # …but at least this many (or all of them), so a small demo shows some

WALLET_COLUMNS = [
    "business_id",
    "customer_id",
    "currency",
    "balance",
    "last_sequence",
    "created_at",
    "updated_at",
]
ENTRY_COLUMNS = [
    "id",
    "business_id",
    "wallet_id",
    "customer_id",
    "currency",
    "sequence",
    "direction",
    "event_type",
    "amount",
    "balance_before",
    "balance_after",
    "reason",
    "reference_id",
    "idempotency_key",
    "request_fingerprint",
    "actor_kind",
    "actor_id",
    "actor_label",
    "created_at",
]
CREDITS = [
    (EventType.MERCHANT_ADJUSTMENT, "Goodwill credit"),
    (EventType.MERCHANT_ADJUSTMENT, "Service outage credit"),
    (EventType.MERCHANT_ADJUSTMENT, "Referral bonus"),
    (EventType.REFUND, "Refund to wallet"),
]
DEBITS = [
    (EventType.PAYMENT, "Applied to subscription renewal"),
    (EventType.MERCHANT_ADJUSTMENT, "Correction of a duplicate credit"),
]
# Typical amounts in minor units per currency.
AMOUNTS = {"USD": (500, 20_000), "INR": (10_000, 500_000)}
HISTORY = dt.timedelta(days=180)


@dataclass
class WalletCounts:
    customers: int = 0  # customers given wallets
    wallets: int = 0
    entries: int = 0


@dataclass
class _Plan:
    """One wallet to write: its customer, currency and entries
    (direction, event_type, reason, amount, created_at), oldest first."""

    customer_id: str
    currency: str
    entries: list[tuple]

    @property
    def balance(self) -> int:  # minor units
        return sum(e[3] if e[0] == Direction.CREDIT else -e[3] for e in self.entries)


def wallet_customers(added: int) -> int:
    """How many of `added` new customers get wallets: SHARE of them, at least MINIMUM."""
    return max(round(added * SHARE), min(added, MINIMUM))


def _entries(rng: random.Random, start: dt.datetime, currency: str, now: dt.datetime):
    """(direction, event_type, reason, amount, created_at) in order; never overdraws."""
    low, high = AMOUNTS.get(currency, (100, 10_000))
    when, balance = start, 0
    for n in range(rng.randint(1, 8)):
        when = min(now, when + (now - when) * rng.random() * 0.5)
        if n and balance and rng.random() < 0.4:
            event_type, reason = rng.choice(DEBITS)
            amount = rng.randint(1, balance)
            balance -= amount
            yield Direction.DEBIT, event_type, reason, amount, when
        else:
            event_type, reason = rng.choice(CREDITS)
            amount = rng.randrange(low, high, 50)
            balance += amount
            yield Direction.CREDIT, event_type, reason, amount, when


def seed_wallets(
    *,
    business: Business,
    seed: int,
    customer_id_floor: str = "",
    progress: Callable[[int], None] | None = None,
) -> WalletCounts:
    """Give wallet histories to a random `wallet_customers(n)` of the business's n
    customers whose ID is ≥ `customer_id_floor` (those `seed_demo` just added) and
    who have no wallet yet. `progress(done)` counts customers looked at. Call it
    inside a transaction."""
    rng = random.Random(seed * 104_729 + 2)
    candidates = (
        Customer.objects.for_business(business)
        .filter(pk__gte=customer_id_floor)
        .exclude(Exists(Wallet.objects.filter(business=business, customer=OuterRef("pk"))))
    )
    total = candidates.count()
    wanted = wallet_customers(total)
    currencies = supported_currencies()
    counts = WalletCounts()
    now = timezone.now()
    chunks = sampled(candidates, total=total, wanted=wanted, rng=rng, progress=progress)
    for chunk, chosen, joined in chunks:
        counts.customers += len(chosen)
        plans = []
        for customer_id in chosen:
            start = max(joined[customer_id], now - HISTORY)
            for currency in currencies:
                if currency != currencies[0] and rng.random() > 0.3:
                    continue
                entries = list(_entries(rng, start, currency, now))
                plans.append(_Plan(customer_id, currency, entries))
        if plans:
            counts.wallets += bulk_insert(Wallet, WALLET_COLUMNS, _wallet_rows(business, plans))
            # The new wallets' IDs, read back by the chunk's customer range (one query).
            ids = {
                (customer_id, currency): pk
                for pk, customer_id, currency in Wallet.objects.filter(
                    business=business, customer_id__gte=chunk[0], customer_id__lte=chunk[-1]
                ).values_list("pk", "customer_id", "currency")
            }
            counts.entries += bulk_insert(
                LedgerEntry, ENTRY_COLUMNS, _entry_rows(business, plans, ids)
            )
    return counts


def _wallet_rows(business: Business, plans: list[_Plan]) -> Iterator[tuple]:
    for plan in plans:
        yield (
            business.pk,
            plan.customer_id,
            plan.currency,
            plan.balance,
            len(plan.entries),
            plan.entries[0][4],
            plan.entries[-1][4],
        )


def _entry_rows(business: Business, plans: list[_Plan], ids: dict) -> Iterator[tuple]:
    for plan in plans:
        wallet_id = ids[plan.customer_id, plan.currency]
        balance = 0
        for sequence, (direction, event_type, reason, amount, when) in enumerate(plan.entries, 1):
            after = balance + amount if direction == Direction.CREDIT else balance - amount
            yield (
                new_id("wle"),
                business.pk,
                wallet_id,
                plan.customer_id,
                plan.currency,
                sequence,
                direction.value,
                event_type.value,
                amount,
                balance,
                after,
                reason,
                "",
                "",
                request_fingerprint(
                    plan.customer_id,
                    plan.currency,
                    amount,
                    direction.value,
                    event_type.value,
                    reason,
                    "",
                ),
                Event.ActorKind.SYSTEM.value,
                "",
                "demo data",
                when,
            )
            balance = after
