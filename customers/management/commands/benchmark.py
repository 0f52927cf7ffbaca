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

import datetime as dt
import json
import os
import platform
import random
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.utils import timezone

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.bench.pages import (
    ALL_REQUESTS_P95_MS,
    FAST_P95_MS,
    Case,
    capture_sql,
    get_ok,
    measure,
    table,
)
from customers.core.money import to_decimal
from customers.filters import CustomerFilter
from customers.models import Business, Customer, Membership, Payment

ACTOR = Actor.system("benchmark")
USERNAME = "benchmark-owner@bench.invalid"
EXPORT_ROWS = 1000
DEEP_PAGE = 400
# Filters and the query-string values each case uses (q has its own cases; the
# currency of min_paid rides with it).
FILTER_VALUES = {
    "created_after": lambda today: {"created_after": (today - dt.timedelta(days=30)).isoformat()},
    "created_before": lambda today: {
        "created_before": (today - dt.timedelta(days=180)).isoformat()
    },
    "has_phone": lambda today: {"has_phone": "true"},
    "has_wallet_balance": lambda today: {"has_wallet_balance": "true"},
    "has_active_subscription": lambda today: {"has_active_subscription": "true"},
    "min_paid": lambda today: {
        "min_paid": "100",
        "min_paid_currency": settings.WALLET_CURRENCIES[0],
    },
}
NOT_FILTER_CASES = {"q", "min_paid_currency"}


def case_names() -> list[str]:
    """Every case, in order (the test checks the table and JSON against this)."""
    names = ["list first page", "search selective", "search common (com)", "search short"]
    names += [f"list page {DEEP_PAGE}"]
    names += [f"filter {f}" for f in filter_names()]
    names += ["filter min_paid top 1%", "filter min_paid top 1% + has_phone", "sort by name"]
    names += ["details"] + [f"details tab={t}" for t in DETAIL_TABS]
    names += ["report preview", "report preview has_active_subscription"]
    names += ["portal home", "portal billing", "api list", "api retrieve"]
    names += ["ledger post", f"csv export first {EXPORT_ROWS:,} rows"]
    return names


DETAIL_TABS = ["transactions", "subscriptions", "wallet", "license-keys"]


def filter_names() -> list[str]:
    names = [n for n in CustomerFilter.base_filters if n not in NOT_FILTER_CASES]
    missing = set(names) - set(FILTER_VALUES)
    if missing:
        raise CommandError(f"benchmark has no value for filter(s): {', '.join(sorted(missing))}")
    return names


def machine() -> dict:
    """What the numbers were measured on (printed first, kept in the JSON)."""
    version = connection.pg_version  # e.g. 150004 for 15.4
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "postgresql": f"{version // 10000}.{version % 10000}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


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

    def handle(
        self, *args, business, small_business, samples, warmup, json_path, plans_path, **options
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "benchmark needs PostgreSQL: set DATABASE_URL to a database with a large "
                "business (see seed_demo --customers)."
            )
        if samples < 1 or warmup < 1:
            raise CommandError("--samples and --warmup must be at least 1.")
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

    def _owner_client(self, biz: Business) -> Client:
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": USERNAME}
        )
        Membership.objects.get_or_create(
            user=user, business=biz, defaults={"role": Membership.Role.OWNER}
        )
        Membership.objects.filter(user=user).exclude(business=biz).delete()
        client = Client()
        client.force_login(user)
        return client

    def _active_customer(self, biz: Business) -> Customer:
        """A customer with a wallet, payments and (if any) a subscription."""
        from wallets.models import Wallet

        ids = list(Wallet.objects.filter(business=biz).values_list("customer_id", flat=True)[:50])
        best = (
            Payment.objects.filter(business=biz, customer_id__in=ids)
            .values("customer_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("customer_id", flat=True)[:1]
        )
        pk = best[0] if best else (ids[0] if ids else None)
        if pk is None:
            pk = Customer.objects.for_business(biz).values_list("pk", flat=True).first()
        return Customer.objects.get(pk=pk)

    def _selective_term(self, biz: Business) -> str:
        """A real e-mail fragment that matches one customer or a handful.

        Taken from one of the oldest customers: a plan that walks the newest-first
        index hoping to meet the match soon is fast for a recent one and slow here.
        """
        emails = list(
            Customer.objects.for_business(biz)
            .order_by("created_at", "id")
            .values_list("email", flat=True)[500:501]
        ) or list(Customer.objects.for_business(biz).values_list("email", flat=True)[:1])
        local = emails[0].split("@")[0] if emails else "nobody"
        parts = [p for p in local.replace("_", ".").split(".") if p]
        return ".".join(parts[-2:]) if len(parts) >= 2 else local

    # --- cases ------------------------------------------------------------------

    def _cases(self, biz: Business) -> list[Case]:
        """Every case for one business; each carries the client its view floor uses."""
        owner = self._owner_client(biz)
        customer = self._active_customer(biz)
        today = timezone.now().date()

        def page(name, path, params=None, target_ms=ALL_REQUESTS_P95_MS, **headers) -> Case:
            url = f"{path}?{urlencode(params)}" if params else path
            return Case(name, get_ok(owner, url, **headers), owner, target_ms)

        cases = [
            page("list first page", "/customers/", target_ms=FAST_P95_MS),
            page(
                "search selective",
                "/customers/",
                {"q": self._selective_term(biz)},
                target_ms=FAST_P95_MS,
            ),
            page("search common (com)", "/customers/", {"q": "com"}),
            page("search short", "/customers/", {"q": "jo"}),
            page(f"list page {DEEP_PAGE}", "/customers/", {"page": DEEP_PAGE, "per_page": 25}),
        ]
        cases += [
            page(f"filter {name}", "/customers/", FILTER_VALUES[name](today))
            for name in filter_names()
        ]
        top = {"min_paid": self._top_spend(biz), "min_paid_currency": settings.WALLET_CURRENCIES[0]}
        cases += [
            page("filter min_paid top 1%", "/customers/", top),
            page("filter min_paid top 1% + has_phone", "/customers/", {**top, "has_phone": "true"}),
            page("sort by name", "/customers/", {"sort": "name"}),
        ]
        detail = f"/customers/{customer.pk}/"
        cases.append(page("details", detail))
        cases += [page(f"details tab={tab}", detail, {"tab": tab}) for tab in DETAIL_TABS]
        cases.append(page("report preview", "/customers/report/", HTTP_HX_REQUEST="true"))
        cases.append(
            page(
                "report preview has_active_subscription",
                "/customers/report/",
                {"has_active_subscription": "true"},
                HTTP_HX_REQUEST="true",
            )
        )
        portal = self._portal_client(customer)
        cases += [
            Case("portal home", get_ok(portal, "/portal/"), portal),
            Case("portal billing", get_ok(portal, "/portal/billing/"), portal),
        ]
        _key, raw_key = api_key_create(business=biz, name="benchmark", read_only=True, actor=ACTOR)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        cases += [
            Case("api list", get_ok(api, "/api/customers?page_size=25"), api),
            Case("api retrieve", get_ok(api, f"/api/customers/{customer.pk}"), api),
        ]
        cases.append(self._ledger_case(biz, customer, owner))
        cases.append(self._export_case(owner))
        return cases

    def _top_spend(self, biz: Business) -> str:
        """The total paid (major units) that one customer in a hundred of those who
        paid reaches: big spenders, who are mostly old customers."""
        from customers.models import CustomerSpend

        spend = CustomerSpend.objects.filter(
            business=biz, currency=settings.WALLET_CURRENCIES[0], net__gt=0
        )
        rank = spend.count() // 100
        nets = list(spend.order_by("-net").values_list("net", flat=True)[rank : rank + 1])
        return str(to_decimal(nets[0] if nets else 1, settings.WALLET_CURRENCIES[0]))

    def _portal_client(self, customer: Customer) -> Client:
        from portal.services import create_portal_session

        _link, url = create_portal_session(customer=customer, actor=ACTOR)
        client = Client()
        response = client.get(urlsplit(url).path)
        if response.status_code >= 400:
            raise CommandError(f"Opening the portal link answered {response.status_code}.")
        return client

    def _ledger_case(self, biz: Business, customer: Customer, client: Client) -> Case:
        from wallets.services import ledger_post

        currency = settings.WALLET_CURRENCIES[0]
        rng = random.Random(8)

        def post():
            ledger_post(
                business=biz,
                customer=customer,
                currency=currency,
                amount=rng.randint(1, 100),
                direction="credit",
                event_type="merchant_adjustment",
                reason="benchmark",
                actor=ACTOR,
            )

        def capture():  # the SQL of one post, rolled back so the floor can replay it
            with transaction.atomic():
                post()
                transaction.set_rollback(True)

        # A service call, not a request: its view floor goes through the owner's client.
        return Case("ledger post", post, client, floor="all_rolled_back", capture=capture)

    def _export_case(self, client: Client) -> Case:
        def run():
            response = client.get("/customers/export.csv")
            if response.status_code != 200:
                raise RuntimeError(f"Export answered {response.status_code}")
            lines = 0
            try:
                for chunk in response.streaming_content:
                    lines += chunk.count(b"\n")
                    if lines > EXPORT_ROWS:
                        break
            finally:
                response.close()

        name = f"csv export first {EXPORT_ROWS:,} rows"
        return Case(name, run, client, floor=f"stream:{EXPORT_ROWS}")

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
