"""Throughput of `ledger_post` against the floor: the same SQL with nothing around it.

PostgreSQL only. Four measurements with the same number of threads, each thread
on its own connection (service and floor alternate in rounds of ~2.5 s):

  service / hot wallet    every thread posts to one wallet through ledger_post
  floor   / hot wallet    the same conditional UPDATE + INSERT statement in raw SQL
  service / many wallets  each post goes to a random one of --wallets wallets
  floor   / many wallets

The floor is the one statement at the heart of ledger_post on PostgreSQL (the
conditional UPDATE and the entry INSERT as a data-modifying CTE), sent by plain
psycopg with nothing around it. The service does more — validation, an Event
row, the ORM — and the target is at least 30% of the floor's entries/s. Afterwards the
verify_ledgers checks run and must find zero violations. Data goes into the
business "Ledger Bench" (fresh customers each run) and stays: ledger entries
cannot be deleted, so run it on a scratch database.
"""

import random
import sys
import threading
import time

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from customers.audit import Actor
from customers.core.bulk import bulk_insert
from customers.core.ids import new_id
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import Business, Customer
from wallets.errors import InsufficientWalletFunds
from wallets.management.commands.verify_ledgers import write_report
from wallets.models import LedgerEntry, Wallet
from wallets.services import ledger_post
from wallets.verify import verify_ledgers

TARGET = 0.30
ROUND_SECONDS = 2.5
FUNDING = 10**12  # minor units put in each wallet first, so debits never run dry
CURRENCY = "USD"

# The floor: the statement at the heart of ledger_post on PostgreSQL — the
# conditional UPDATE and the entry INSERT as one data-modifying CTE — and nothing
# else (no validation, no Event, no ORM, no idempotency look-up).
FLOOR = (
    f"WITH w AS (UPDATE {Wallet._meta.db_table} SET balance = balance + %s, "
    "last_sequence = last_sequence + 1, updated_at = now() "
    "WHERE business_id = %s AND customer_id = %s AND currency = %s "
    "AND balance >= %s AND balance <= %s RETURNING id, balance, last_sequence) "
    f"INSERT INTO {LedgerEntry._meta.db_table} (id, business_id, wallet_id, customer_id, "
    "currency, sequence, direction, event_type, amount, balance_before, balance_after, "
    "reason, reference_id, idempotency_key, request_fingerprint, actor_kind, actor_id, "
    "actor_label, created_at) "
    "SELECT %s, %s, w.id, %s, %s, w.last_sequence, %s, 'merchant_adjustment', %s, "
    "w.balance - %s, w.balance, 'bench floor', '', '', '', 'system', '', 'bench_ledger', "
    "clock_timestamp() FROM w RETURNING id"
)
MAX = 2**63 - 1


class Command(BaseCommand):
    help = "Measure ledger_post entries/s against the raw-SQL floor on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, default=10.0, help="Seconds per phase")
        parser.add_argument("--threads", type=int, default=8, help="Concurrent connections")
        parser.add_argument("--wallets", type=int, default=1000, help="Wallets in the many phase")
        parser.add_argument("--business", default="Ledger Bench", help="Business to write into")

    def handle(self, *args, duration, threads, wallets, business, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_ledger needs PostgreSQL (set DATABASE_URL).")
        if threads < 1 or wallets < 1 or duration <= 0:
            raise CommandError("--threads, --wallets and --duration must be positive.")
        self.actor = Actor.system("bench_ledger")
        self.biz, _created = Business.objects.get_or_create(name=business)
        self.stdout.write(
            f"bench_ledger: {threads} threads, {duration:g} s per phase, "
            f"{wallets:,} wallets in the many-wallet phases, PostgreSQL "
            f"{connection.cursor().connection.info.server_version}"
        )
        customers = self._customers(wallets + 1)
        hot, many = customers[:1], customers[1:]
        self._fund(customers)

        self._compare(
            (("hot wallet", hot), ("many wallets", many)),
            duration=duration,
            threads=threads,
            unit="entries/s",
        )

    def _compare(self, phases, *, duration: float, threads: int, unit: str) -> None:
        """Service and floor, alternating in short rounds (so a background load that
        comes and goes weighs on both alike), one line per phase; then verify_ledgers,
        exiting 1 when it finds a problem."""
        rounds = max(1, round(duration / ROUND_SECONDS))
        for label, targets in phases:
            totals = {"service": [0, 0.0], "floor": [0, 0.0]}
            for _round in range(rounds):
                for kind, worker in (
                    ("service", self._service_worker),
                    ("floor", self._floor_worker),
                ):
                    count, elapsed = self._phase(threads, duration / rounds, worker, targets)
                    totals[kind][0] += count
                    totals[kind][1] += elapsed
            service, floor = (totals[k][0] / totals[k][1] for k in ("service", "floor"))
            ratio = service / floor if floor else 0.0
            verdict = self.style.SUCCESS("ok") if ratio >= TARGET else self.style.WARNING("LOW")
            self.stdout.write(
                f"  {label:<14} service {service:8,.0f} {unit}   floor {floor:8,.0f} "
                f"{unit}   ratio {ratio:5.1%}  (target ≥ {TARGET:.0%}: {verdict})"
            )
        self.stdout.write("verify_ledgers after the run:")
        report = verify_ledgers()
        write_report(self, report)
        if not report.ok:
            sys.exit(1)

    # Setup ----------------------------------------------------------------

    def _customers(self, count: int) -> list[tuple[str, str]]:
        """Fresh customers for this run: (business_id, customer_id) pairs."""
        start = Customer.objects.for_business(self.biz).count()
        rows = list(customer_rows(self.biz.pk, count, seed=start, start=start))
        bulk_insert(Customer, CUSTOMER_COLUMNS, rows)
        return [(self.biz.pk, row[0]) for row in rows]

    def _fund(self, customers) -> None:
        by_id = Customer.objects.in_bulk([customer_id for _biz, customer_id in customers])
        for customer in by_id.values():
            self._post(customer, FUNDING, "credit")

    def _post(self, customer, amount: int, direction: str):
        return ledger_post(
            business=self.biz,
            customer=customer,
            currency=CURRENCY,
            amount=amount,
            direction=direction,
            event_type="merchant_adjustment",
            reason="bench",
            actor=self.actor,
        )

    # Phases ---------------------------------------------------------------

    def _phase(self, threads: int, duration: float, worker, targets) -> tuple[int, float]:
        """Run `worker` in `threads` threads for `duration` seconds: (entries, seconds)."""
        ready = threading.Barrier(threads + 1)
        counts = [0] * threads
        errors: list[BaseException] = []
        stop = threading.Event()

        def run(i):
            try:
                worker(i, targets, ready, stop, counts)
            except BaseException as exc:  # noqa: BLE001 — reported below
                errors.append(exc)
                if not ready.broken:
                    ready.abort()
            finally:
                connections.close_all()

        pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        ready.wait()  # every thread is connected
        started = time.perf_counter()
        time.sleep(duration)
        stop.set()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise CommandError(f"a bench thread failed: {errors[0]!r}")
        return sum(counts), elapsed

    def _service_worker(self, i, targets, ready, stop, counts):
        rng = random.Random(i)
        customers = Customer.objects.in_bulk([customer_id for _biz, customer_id in targets])
        pool = list(customers.values())
        connection.ensure_connection()
        ready.wait()
        while not stop.is_set():
            direction = "credit" if rng.random() < 0.5 else "debit"
            try:
                self._post(rng.choice(pool), rng.randint(1, 1000), direction)
            except InsufficientWalletFunds:
                continue
            counts[i] += 1

    def _floor_worker(self, i, targets, ready, stop, counts):
        rng = random.Random(1000 + i)
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)  # plain psycopg, same prepare_threshold as Django
        with psycopg.connect(**params, autocommit=False) as conn, conn.cursor() as cursor:
            ready.wait()
            while not stop.is_set():
                business_id, customer_id = rng.choice(targets)
                amount = rng.randint(1, 1000)
                credit = rng.random() < 0.5
                delta, lo, hi = (amount, 0, MAX - amount) if credit else (-amount, amount, MAX)
                cursor.execute(
                    FLOOR,
                    (
                        *(delta, business_id, customer_id, CURRENCY, lo, hi),
                        *(new_id("wle"), business_id, customer_id, CURRENCY),
                        *("credit" if credit else "debit", amount, delta),
                    ),
                )
                if cursor.fetchone() is None:
                    conn.rollback()
                    continue
                conn.commit()
                counts[i] += 1
