"""Benchmark a customer import: a CSV of N new customers, dry run then import.

Writes a file in Stripe's customer export layout (N rows, a phone number on every
other row, a few bad rows), uploads it through the import service, runs the dry run
and the import in this process exactly as the worker does (`customer_import_check_run`,
`customer_import_run`), and prints each step's time and rows/s. Target: the import
of 100,000 rows in under a minute on PostgreSQL. Checks afterwards that the kept
sign-up figures still add up to the number of customers. The customer table is
ANALYZEd first, as autovacuum would have done after earlier loads. The imported
customers stay (run it on a benchmark database): deleting 100,000 customers row
by row costs more than importing them, so the command does not clean up.
"""

import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Sum

from customers.imports.runner import customer_import_check_run, customer_import_run
from customers.imports.services import (
    customer_import_check,
    customer_import_start,
    customer_import_upload,
)
from customers.models import Business, Customer, CustomerImport, Membership, SignupDay

TARGET_SECONDS = 60.0


def stripe_csv(rows: int, *, tag: str) -> bytes:
    out = io.StringIO()
    out.write("id,Description,Email,Name,Created (UTC),Phone,Preferred Locales\n")
    for i in range(rows):
        phone = f"+1 415 555 {i % 10_000:04d}" if i % 2 else ""
        email = f"bench-{tag}-{i}@example.com" if i % 1000 != 999 else "not-an-email"
        day = 1 + i % 28
        out.write(f"cus_B{i},,{email},Customer {i},2025-02-{day:02d} 10:00:00,{phone},en-US\n")
    return out.getvalue().encode()


class Command(BaseCommand):
    help = "Time the dry run and the import of a CSV of N customers (target: 100,000 < 60 s)."

    def add_arguments(self, parser):
        parser.add_argument("--business", default="Bench Import")
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, **opts):
        business, _ = Business.objects.get_or_create(name=opts["business"])
        member = Membership.objects.filter(business=business).select_related("user").first()
        user = member.user if member else None
        tag = str(int(time.time()))
        data = stripe_csv(opts["rows"], tag=tag)
        upload = SimpleUploadedFile("bench.csv", data, content_type="text/csv")
        before = Customer.objects.for_business(business).count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a steady state: statistics up to date
                cursor.execute(f"ANALYZE {Customer._meta.db_table}")

        started = time.perf_counter()
        job = customer_import_upload(business=business, user=user, upload=upload)
        customer_import_check(job=job, mapping={k: str(v) for k, v in job.mapping.items()})
        customer_import_check_run(job_id=job.pk)
        checked = time.perf_counter()
        job.refresh_from_db()
        customer_import_start(job=job)
        customer_import_run(job_id=job.pk)
        done = time.perf_counter()
        job.refresh_from_db()
        if job.status != CustomerImport.Status.SUCCEEDED:
            raise CommandError(f"The import ended {job.status}: {job.error}")

        check_s, import_s = checked - started, done - checked
        rows = opts["rows"]
        self.stdout.write(f"file: {rows:,} rows, {len(data) / 1e6:.1f} MB")
        self.stdout.write(f"dry run: {check_s:.1f} s ({rows / check_s:,.0f} rows/s)")
        self.stdout.write(
            f"import:  {import_s:.1f} s ({rows / import_s:,.0f} rows/s), "
            f"{job.rows_created:,} created, {job.rows_invalid:,} with problems"
        )
        total = Customer.objects.for_business(business).count()
        signups = SignupDay.objects.filter(business=business).aggregate(n=Sum("customers"))["n"]
        self.stdout.write(f"customers {before:,} -> {total:,}; sign-up figures: {signups:,}")
        if signups != total:
            raise CommandError("The kept sign-up figures do not match the customers.")
        verdict = "OK" if import_s < TARGET_SECONDS else "SLOW"
        self.stdout.write(f"target: import < {TARGET_SECONDS:.0f} s: {verdict}")
