"""Server time of every page, API call, ledger post and the CSV export of one large
business, against two floors measured in the same run (see customers.bench.pages).

Requests go through Django's test Client in-process (no network, no gunicorn), signed
in as an owner of the business; each case is warmed up, then sampled --samples times,
alternating with its floors: the SQL one request ran, replayed as raw SQL on the
psycopg connection, and the same replay inside a minimal Django view requested with
the same client. Prints the machine, p50/p95, both floors' p50, the ratios and the
query count, then runs every case once at a small business (the one with the fewest
customers, or --small-business) and flags a case whose query count is higher at the
large one. Names the cases that miss a target (every request < 250 ms p95; the
customer table's first page and a selective search < 50 ms p95; no query count that
grows with the data).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import override_settings

from customers.bench.cases import cases, machine
from customers.bench.pages import capture_sql, measure, table
from customers.models import Business, Customer


class Command(BaseCommand):
    help = (
        "Benchmark pages, API, ledger and export of a large business against a raw-SQL "
        "floor and a minimal-view floor; compare query counts with a small business."
    )

    def add_arguments(self, parser):
        parser.add_argument("--business", help="Business name or ID (default: the largest)")
        parser.add_argument(
            "--small-business",
            help="Business name or ID whose query counts are compared (default: the smallest "
            "other business with customers)",
        )
        parser.add_argument("--samples", type=int, default=10, help="Samples per case")
        parser.add_argument("--warmup", type=int, default=2, help="Warm-up requests per case")
        parser.add_argument("--json", dest="json_path", help="Write the results as JSON here")
        parser.add_argument("--plans", dest="plans_path", help="Write EXPLAIN ANALYZE here")
        parser.add_argument(
            "--case",
            dest="only",
            action="append",
            default=[],
            help="Only the cases whose name contains this (repeatable), e.g. --case overview",
        )

    def handle(
        self,
        *args,
        business,
        small_business,
        samples,
        warmup,
        json_path,
        plans_path,
        only,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "benchmark needs PostgreSQL: set DATABASE_URL to a database with a large "
                "business (see seed_demo --customers)."
            )
        if samples < 1 or warmup < 1:
            raise CommandError("--samples and --warmup must be at least 1.")
        self.only = only
        biz = self._business(business)
        customers = Customer.objects.for_business(biz).count()
        small = self._small_business(small_business, biz)
        small_info = None
        if small is not None:
            small_info = {
                "id": small.pk,
                "name": small.name,
                "customers": Customer.objects.for_business(small).count(),
            }
        host = machine()
        self.stdout.write(
            f"machine: {host['cpus']} CPUs, {host['platform']}, PostgreSQL "
            f"{host['postgresql']}, {host['python']}"
        )
        self.stdout.write(
            f"benchmark: {biz.name} ({biz.pk}), {customers:,} customers, "
            f"{samples} samples after {warmup} warm-up"
        )
        if small_info:
            self.stdout.write(
                f"small business: {small.name} ({small.pk}), {small_info['customers']:,} "
                "customers, count cap lowered to 5% of them; each case once there, its "
                'query count under "queries small"'
            )
        else:
            self.stdout.write(
                "small business: none (no other business has customers), so query counts "
                "are not compared across data sizes"
            )
        with override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            DEBUG=False,
            API_RATE_LIMIT=10**9,
            ROOT_URLCONF="customers.bench.urls",  # adds the view floor's URL
        ):
            results = []
            for case in self._cases(biz):
                result = measure(case, samples=samples, warmup=warmup)
                results.append(result)
                self.stderr.write(f"  {case.name}: p95 {result.p95:.1f} ms")
            if small is not None:
                self._count_small(small, results)
        for line in table(results, small=small is not None):
            self.stdout.write(line)
        misses = [
            f"{r.name} ({'error' if r.error else '; '.join(r.misses)})" for r in results if not r.ok
        ]
        if misses:
            self.stdout.write(self.style.WARNING(f"Missed targets: {', '.join(misses)}"))
        else:
            self.stdout.write(self.style.SUCCESS("Every case meets its target."))
        if json_path:
            payload = {
                "machine": host,
                "business": {"id": biz.pk, "name": biz.name, "customers": customers},
                "small_business": small_info,
                "samples": samples,
                "warmup": warmup,
                "results": [r.as_dict() for r in results],
            }
            with open(json_path, "w") as fh:
                json.dump(payload, fh, indent=2)
        if plans_path:
            self._plans(plans_path, results)

    def _cases(self, biz: Business) -> list:
        return [c for c in cases(biz) if not self.only or any(o in c.name for o in self.only)]

    def _count_small(self, small: Business, results) -> None:
        """Each case once at the small business; its query count goes in queries_small.

        The count cap is lowered below the small business's size for this pass, so
        both sizes take the same roads (capped counts, estimated charts, the index
        walks of big lists); a difference is then growth with the data, not a
        different branch."""
        customers = Customer.objects.for_business(small).count()
        with override_settings(CUSTOMER_LIST_COUNT_CAP=max(1, customers // 20)):
            for result, case in zip(results, self._cases(small), strict=True):
                try:
                    result.queries_small = len(capture_sql(case))
                except Exception as exc:  # noqa: BLE001 - reported, the large run still stands
                    self.stdout.write(
                        self.style.WARNING(
                            f"{case.name} at {small.name}: {type(exc).__name__}: {exc}"
                        )
                    )

    # --- setup ------------------------------------------------------------------

    def _business(self, wanted: str | None) -> Business:
        if wanted:
            return self._find(wanted)
        top = (
            Customer.objects.values("business_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("business_id", flat=True)[:1]
        )
        if not top:
            raise CommandError("No business has customers; run seed_demo first.")
        return Business.objects.get(pk=top[0])

    def _small_business(self, wanted: str | None, biz: Business) -> Business | None:
        """The business to compare query counts with: given, or the smallest other one."""
        if wanted:
            small = self._find(wanted)
            if small.pk == biz.pk:
                raise CommandError("--small-business must differ from the measured business.")
            if not Customer.objects.for_business(small).exists():
                raise CommandError(f"{small.name} has no customers to compare with.")
            return small
        smallest = (
            Customer.objects.exclude(business=biz)
            .values("business_id")
            .annotate(n=Count("id"))
            .order_by("n", "business_id")
            .values_list("business_id", flat=True)[:1]
        )
        return Business.objects.get(pk=smallest[0]) if smallest else None

    def _find(self, wanted: str) -> Business:
        biz = Business.objects.filter(pk=wanted).first() or (
            Business.objects.filter(name=wanted).first()
        )
        if biz is None:
            raise CommandError(f"No business {wanted!r}.")
        return biz

    # --- plans ------------------------------------------------------------------

    def _plans(self, path: str, results) -> None:
        with open(path, "w") as fh:
            for result in results:
                if not result.name.startswith(("list", "search")):
                    continue
                for sql in result.statements:
                    if "customers_customer" not in sql or not sql.lstrip().upper().startswith(
                        "SELECT"
                    ):
                        continue
                    with connection.cursor() as cur:
                        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                        plan = "\n".join(row[0] for row in cur.fetchall())
                    fh.write(f"-- {result.name}\n{sql}\n\n{plan}\n\n")
