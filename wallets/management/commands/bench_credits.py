"""Throughput of `credit_debit` against the floor: the same FIFO debit in raw SQL.

PostgreSQL only, with bench_ledger's harness (threads on their own connections,
service and floor alternating in rounds):

  service / hot balance    every thread debits one balance spread over 100 grants
  floor   / hot balance    the same steps in raw SQL: lock the balance, read the
                           FIFO grants, update the grants taken from, the balance,
                           insert the entry and its allocations, commit
  service / many balances  each debit goes to a random one of --balances balances
  floor   / many balances

The service does more — validation, the due-grant check, the Event, the ORM — and
the target is at least 30% of the floor's debits/s. Afterwards the verify_ledgers
checks (wallets and credits) run and must find zero violations. Data goes into the
business "Credit Bench" and stays (ledger rows cannot be deleted): use a scratch
database.
"""

import datetime as dt
import random

import psycopg
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from customers.audit import Actor
from customers.core.ids import new_id
from customers.models import Business, Customer
from wallets.credits.entitlements import entitlement_create
from wallets.credits.errors import InsufficientCredits
from wallets.credits.models import (
    CreditAllocation,
    CreditBalance,
    CreditGrant,
    CreditLedgerEntry,
)
from wallets.credits.services import credit_debit, credit_grant
from wallets.management.commands.bench_ledger import Command as LedgerBench

HOT_GRANTS = 100
GRANT = 10**9 * 1000  # thousandths in each bench grant: debits never run dry

B, G = CreditBalance._meta.db_table, CreditGrant._meta.db_table
E, A = CreditLedgerEntry._meta.db_table, CreditAllocation._meta.db_table
LOCK = (
    f"SELECT id, balance, overage, last_sequence FROM {B} "
    "WHERE business_id = %s AND entitlement_id = %s AND customer_id = %s FOR UPDATE"
)
FIFO = (
    f"SELECT id, remaining_amount FROM {G} WHERE credit_balance_id = %s "
    "AND remaining_amount > 0 ORDER BY expires_at ASC NULLS LAST, created_at, id LIMIT 10"
)
SPEND = f"UPDATE {G} SET remaining_amount = remaining_amount - %s, updated_at = now() WHERE id = %s"
MOVE = (
    f"UPDATE {B} SET balance = balance - %s, last_sequence = last_sequence + 1, "
    "updated_at = now(), last_transaction_at = now() WHERE id = %s"
)
ENTRY = (
    f"INSERT INTO {E} (id, business_id, credit_balance_id, entitlement_id, customer_id, "
    "grant_id, sequence, transaction_type, is_credit, amount, balance_before, balance_after, "
    "overage_before, overage_after, reason, metadata, reference_id, reference_type, "
    "idempotency_key, request_fingerprint, actor_kind, actor_id, actor_label, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, 'credit_deducted', false, %s, %s, %s, %s, %s, "
    "'bench floor', '{}', '', '', '', '', 'system', '', 'bench_credits', now())"
)
ALLOCATE = f"INSERT INTO {A} (business_id, entry_id, grant_id, amount) VALUES (%s, %s, %s, %s)"


class Command(LedgerBench):
    help = "Measure credit_debit debits/s (FIFO across grants) against a raw-SQL floor."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, default=10.0, help="Seconds per phase")
        parser.add_argument("--threads", type=int, default=8, help="Concurrent connections")
        parser.add_argument("--balances", type=int, default=300, help="Balances, many phase")
        parser.add_argument("--business", default="Credit Bench", help="Business to write into")

    def handle(self, *args, duration, threads, balances, business, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_credits needs PostgreSQL (set DATABASE_URL).")
        if threads < 1 or balances < 1 or duration <= 0:
            raise CommandError("--threads, --balances and --duration must be positive.")
        self.actor = Actor.system("bench_credits")
        self.biz, _created = Business.objects.get_or_create(name=business)
        self.entitlement = entitlement_create(
            business=self.biz, actor=self.actor, name="Bench calls", unit="calls", precision=0
        )
        self.stdout.write(
            f"bench_credits: {threads} threads, {duration:g} s per phase, hot balance over "
            f"{HOT_GRANTS} grants, {balances:,} balances in the many phase"
        )
        customers = self._customers(balances + 1)
        hot, many = customers[:1], customers[1:]
        self._fund(hot, HOT_GRANTS)
        self._fund(many, 3)
        self._compare(
            (("hot balance", hot), ("many balances", many)),
            duration=duration,
            threads=threads,
            unit="debits/s",
        )

    def _fund(self, customers, grants: int) -> None:
        """`grants` grants per customer, expiring 1…n days from now (FIFO has work)."""
        now = timezone.now()
        by_id = Customer.objects.in_bulk([customer_id for _biz, customer_id in customers])
        for customer in by_id.values():
            for n in range(grants):
                credit_grant(
                    business=self.biz,
                    entitlement=self.entitlement,
                    customer=customer,
                    amount=GRANT,
                    actor=self.actor,
                    expires_at=now + dt.timedelta(days=30 + n),
                    now=now,
                )

    def _service_worker(self, i, targets, ready, stop, counts):
        rng = random.Random(i)
        customers = Customer.objects.in_bulk([customer_id for _biz, customer_id in targets])
        pool = list(customers.values())
        connection.ensure_connection()
        ready.wait()
        while not stop.is_set():
            try:
                credit_debit(
                    business=self.biz,
                    entitlement=self.entitlement,
                    customer=rng.choice(pool),
                    amount=rng.randint(1, 5) * 1000,
                    actor=self.actor,
                    reason="bench",
                )
            except InsufficientCredits:
                continue
            counts[i] += 1

    def _floor_worker(self, i, targets, ready, stop, counts):
        rng = random.Random(1000 + i)
        entitlement_id = self.entitlement.pk
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=False) as conn, conn.cursor() as cursor:
            ready.wait()
            while not stop.is_set():
                business_id, customer_id = rng.choice(targets)
                amount = rng.randint(1, 5) * 1000
                cursor.execute(LOCK, (business_id, entitlement_id, customer_id))
                balance_id, before, overage, sequence = cursor.fetchone()
                cursor.execute(FIFO, (balance_id,))
                taken, left = [], amount
                for grant_id, remaining in cursor.fetchall():
                    take = min(remaining, left)
                    taken.append((grant_id, take))
                    left -= take
                    if not left:
                        break
                if left:
                    conn.rollback()
                    continue
                for grant_id, take in taken:
                    cursor.execute(SPEND, (take, grant_id))
                cursor.execute(MOVE, (amount, balance_id))
                entry_id = new_id("cle")
                cursor.execute(
                    ENTRY,
                    (
                        *(entry_id, business_id, balance_id, entitlement_id, customer_id),
                        *(taken[0][0], sequence + 1, amount, before, before - amount),
                        *(overage, overage),
                    ),
                )
                cursor.executemany(
                    ALLOCATE, [(business_id, entry_id, grant_id, n) for grant_id, n in taken]
                )
                conn.commit()
                counts[i] += 1
