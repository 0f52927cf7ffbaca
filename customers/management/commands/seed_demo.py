from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from customers.bulk import ProgressBar, bulk_insert
from customers.demo import CUSTOMER_COLUMNS, customer_rows
from customers.demo_billing import id_floor, seed_billing
from customers.models import Business, Customer
from wallets.demo import seed_wallets


class Command(BaseCommand):
    help = "Add realistic demo customers to a business, creating the business if needed."

    def add_arguments(self, parser):
        parser.add_argument("--business", default="Demo Store", help="Business name")
        parser.add_argument("--customers", type=int, default=300, help="How many customers")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (repeatable data)")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the business has customers"
        )

    def handle(self, *args, business, customers, seed, if_empty, **options):
        if customers < 0:
            raise CommandError("--customers must be zero or more.")
        biz, _created = Business.objects.get_or_create(name=business)
        existing = Customer.objects.for_business(biz)
        if if_empty and existing.exists():
            self.stdout.write(f"{biz.name} already has customers; nothing added.")
            return
        start = existing.count()
        seed = seed if seed is not None else start
        floor = id_floor("cus", timezone.now())  # IDs of the customers added below are ≥ this
        with transaction.atomic():
            written = bulk_insert(
                Customer,
                CUSTOMER_COLUMNS,
                customer_rows(biz.pk, customers, seed=seed, start=start),
                progress=ProgressBar("customers", customers, stream=self.stderr._out),
            )
            billing = seed_billing(
                business=biz,
                seed=seed,
                customer_id_floor=floor,
                progress=ProgressBar("billing", written, stream=self.stderr._out),
            )
            entries = seed_wallets(business=biz, seed=seed, customers=min(written, 60))
        self.stdout.write(self.style.SUCCESS(f"Added {written:,} customers to {biz.name}."))
        self.stdout.write(self.style.SUCCESS(f"Added {entries:,} wallet ledger entries."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {billing.payments:,} payments, {billing.refunds:,} refunds, "
                f"{billing.subscriptions:,} subscriptions, {billing.license_keys:,} license keys "
                f"and {billing.instances:,} activations."
            )
        )
