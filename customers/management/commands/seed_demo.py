import random
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from customers.core.bulk import ProgressBar, bulk_insert, indexes_deferred
from customers.core.ids import id_floor
from customers.demo.billing import Counts, seed_billing
from customers.demo.credits import CreditCounts, seed_credits
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import (
    Business,
    Customer,
    LicenseKey,
    LicenseKeyInstance,
    Payment,
    Refund,
    Subscription,
)
from customers.reports.summaries import summaries_defer, summaries_rebuild
from wallets.demo import WalletCounts, seed_wallets

NEIGHBOURS_FROM = 10_000  # customers in the main business from which neighbours are added
NEIGHBOUR_SIZE = (300, 2_000)  # customers in each neighbour, at random
# A load of at least this many customers that at least doubles the customer table
# builds the big tables' secondary indexes after it instead of during it.
DEFER_INDEXES_FROM = 200_000
DEFERRED = (Customer, Subscription, Payment, Refund, LicenseKey, LicenseKeyInstance)


@dataclass
class Added:
    customers: int
    billing: Counts
    wallets: WalletCounts
    credits: CreditCounts


class Command(BaseCommand):
    help = (
        "Add realistic demo customers, with billing, wallets and credits, to a business "
        "(created if needed), and a few small neighbour businesses beside a large one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--business", default="Demo Store", help="Business name")
        parser.add_argument("--customers", type=int, default=300, help="How many customers")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (repeatable data)")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the business has customers"
        )
        parser.add_argument(
            "--neighbours",
            type=int,
            default=None,
            help=(
                "Small businesses to seed beside it, named '<business> neighbour 1..N', "
                f"each with {NEIGHBOUR_SIZE[0]:,}–{NEIGHBOUR_SIZE[1]:,} customers; one that "
                f"has customers is skipped (default: 3 with --customers ≥ {NEIGHBOURS_FROM:,}, "
                "else 0)"
            ),
        )

    def handle(self, *args, business, customers, seed, if_empty, neighbours, **options):
        if customers < 0:
            raise CommandError("--customers must be zero or more.")
        if neighbours is None:
            neighbours = 3 if customers >= NEIGHBOURS_FROM else 0
        if neighbours < 0:
            raise CommandError("--neighbours must be zero or more.")
        biz, _created = Business.objects.get_or_create(name=business)
        existing = Customer.objects.for_business(biz)
        if if_empty and existing.exists():
            self.stdout.write(f"{biz.name} already has customers; nothing added.")
            return
        start = existing.count()
        seed = seed if seed is not None else start
        added = self._seed(biz, customers, seed=seed, start=start, bars=True)
        billing = added.billing
        self.stdout.write(self.style.SUCCESS(f"Added {added.customers:,} customers to {biz.name}."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {added.wallets.entries:,} wallet ledger entries in "
                f"{added.wallets.wallets:,} wallets of {added.wallets.customers:,} customers."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {added.credits.grants:,} credit grants and {added.credits.entries:,} "
                f"credit ledger entries in {added.credits.balances:,} balances of "
                f"{added.credits.customers:,} customers."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {billing.payments:,} payments, {billing.refunds:,} refunds, "
                f"{billing.subscriptions:,} subscriptions, {billing.license_keys:,} license keys "
                f"and {billing.instances:,} activations."
            )
        )
        for n in range(1, neighbours + 1):
            self._seed_neighbour(biz, n, seed=seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                # Fresh planner statistics (and, outside a transaction, the visibility
                # map that index-only scans need) for what was loaded.
                cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    def _seed_neighbour(self, biz: Business, n: int, *, seed: int) -> None:
        neighbour, _created = Business.objects.get_or_create(name=f"{biz.name} neighbour {n}")
        if Customer.objects.for_business(neighbour).exists():
            self.stdout.write(f"{neighbour.name} already has customers; skipped.")
            return
        neighbour_seed = seed * 1_000 + n
        size = random.Random(neighbour_seed).randint(*NEIGHBOUR_SIZE)
        added = self._seed(neighbour, size, seed=neighbour_seed, start=0, bars=False)
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {added.customers:,} customers to {neighbour.name}, with "
                f"{added.billing.payments:,} payments, {added.billing.subscriptions:,} "
                f"subscriptions, {added.billing.license_keys:,} license keys and "
                f"{added.wallets.entries:,} wallet ledger entries."
            )
        )

    def _seed(self, biz: Business, count: int, *, seed: int, start: int, bars: bool) -> Added:
        """Customers, then their billing and wallets, in one transaction.

        The summary triggers are off for the load and the business's kept figures
        are recomputed at the end, in two set-based statements (customers.reports.summaries).
        A large load builds the secondary indexes of the customer and billing tables
        once, after the rows are in (`indexes_deferred`).
        """

        def bar(label: str, total: int):
            return ProgressBar(label, total, stream=self.stderr._out) if bars else None

        floor = id_floor("cus", timezone.now())  # IDs of the customers added below are ≥ this
        with transaction.atomic():
            summaries_defer()
            with indexes_deferred(DEFERRED, when=_defer_indexes(count)) as deferred:
                added = self._load(biz, count, seed=seed, start=start, floor=floor, bar=bar)
            if deferred and bars:
                self.stderr.write(f"Built {len(deferred)} indexes after the load.")
            summaries_rebuild(biz)
        return added

    def _load(self, biz: Business, count: int, *, seed: int, start: int, floor: str, bar):
        written = bulk_insert(
            Customer,
            CUSTOMER_COLUMNS,
            customer_rows(biz.pk, count, seed=seed, start=start),
            progress=bar("customers", count),
        )
        if connection.vendor == "postgresql":
            # Statistics for the rows just loaded: each step below reads them back in
            # chunks by key, and without them PostgreSQL chose a whole-table scan for
            # every chunk (about 4 s a chunk at ten million customers).
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {Customer._meta.db_table}")
        billing = seed_billing(
            business=biz,
            seed=seed,
            customer_id_floor=floor,
            progress=bar("billing", written),
        )
        wallets = seed_wallets(
            business=biz,
            seed=seed,
            customer_id_floor=floor,
            progress=bar("wallets", written),
        )
        credits = seed_credits(
            business=biz,
            seed=seed,
            customer_id_floor=floor,
            progress=bar("credits", written),
        )
        return Added(customers=written, billing=billing, wallets=wallets, credits=credits)


def _defer_indexes(count: int) -> bool:
    """Whether to build indexes after the load: on PostgreSQL, for a load of at least
    DEFER_INDEXES_FROM customers that at least doubles the customer table (rebuilding
    a far larger table's indexes would cost more than keeping them)."""
    if count < DEFER_INDEXES_FROM or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute(
            "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass",
            [Customer._meta.db_table],
        )
        present = cur.fetchone()[0]
    return count >= present
