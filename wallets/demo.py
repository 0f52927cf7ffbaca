"""Demo wallets: a few credits and debits for some of a business's newest customers.

Written with bulk inserts (COPY on PostgreSQL) rather than `ledger_post`, so
seeding stays fast, but every row obeys the ledger's invariants: each wallet's
entries are numbered 1, 2, 3…, each starts at the previous balance, no balance
goes below zero, and the wallet's balance is the last entry's balance_after —
`verify_ledgers` passes afterwards. Demo entries carry no Event rows.
"""

import datetime as dt
import random

from django.db.models import Exists, OuterRef
from django.utils import timezone

from customers.bulk import bulk_insert
from customers.ids import new_id
from customers.models import Business, Customer, Event
from wallets.models import Direction, EventType, LedgerEntry, Wallet
from wallets.services import request_fingerprint, supported_currencies

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


def _entries(rng: random.Random, start: dt.datetime, currency: str):
    """(direction, event_type, reason, amount, created_at) in order; never overdraws."""
    low, high = AMOUNTS.get(currency, (100, 10_000))
    now = timezone.now()
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


def seed_wallets(*, business: Business, seed: int, customers: int = 60) -> int:
    """Give some of the newest `customers` without a wallet a short history; returns
    the number of entries written. Call it inside a transaction."""
    rng = random.Random(seed)
    candidates = (
        Customer.objects.for_business(business)
        .exclude(Exists(Wallet.objects.filter(business=business, customer=OuterRef("pk"))))
        .order_by("-created_at", "-id")
        .values_list("pk", "created_at")[:customers]
    )
    currencies = supported_currencies()
    plans = []  # (wallet, [entries])
    now = timezone.now()
    for customer_id, created_at in candidates:
        if rng.random() > 0.5:
            continue
        for currency in currencies:
            if currency != currencies[0] and rng.random() > 0.3:
                continue
            start = max(created_at, now - HISTORY)
            entries = list(_entries(rng, start, currency))
            wallet = Wallet(
                business=business,
                customer_id=customer_id,
                currency=currency,
                created_at=entries[0][4],
                updated_at=entries[-1][4],
            )
            plans.append((wallet, entries))
    for wallet, entries in plans:  # balance and count before the insert
        for direction, _type, _reason, amount, _when in entries:
            wallet.balance += amount if direction == Direction.CREDIT else -amount
        wallet.last_sequence = len(entries)
    Wallet.objects.bulk_create([wallet for wallet, _ in plans], batch_size=1000)
    return bulk_insert(LedgerEntry, ENTRY_COLUMNS, _rows(business, plans))


def _rows(business: Business, plans):
    for wallet, entries in plans:
        balance = 0
        for sequence, (direction, event_type, reason, amount, when) in enumerate(entries, 1):
            after = balance + amount if direction == Direction.CREDIT else balance - amount
            yield (
                new_id("wle"),
                business.pk,
                wallet.pk,
                wallet.customer_id,
                wallet.currency,
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
                    customer_id=wallet.customer_id,
                    currency=wallet.currency,
                    amount=amount,
                    direction=direction.value,
                    event_type=event_type.value,
                    reason=reason,
                    reference_id="",
                ),
                Event.ActorKind.SYSTEM.value,
                "",
                "demo data",
                when,
            )
            balance = after
