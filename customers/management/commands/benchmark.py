"""Server time of every page, API call, ledger post and the CSV export of one large
business, against a floor measured in the same run (see customers.bench.pages).

Requests go through Django's test Client in-process (no network, no gunicorn), signed
in as an owner of the business; each case is warmed up, then sampled --samples times,
alternating with its floor: the SQL the first request ran, replayed as raw SQL on the
psycopg connection. Prints p50/p95, the floor's p50, the ratio and the query count,
and which cases miss their target (every request < 250 ms p95; the customer table's
first page and a selective search < 50 ms p95).
"""

import datetime as dt
import json
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

from customers.api_keys import api_key_create
from customers.bench.pages import FAST_P95_MS, Case, measure, table
from customers.filters import CustomerFilter
from customers.models import Business, Customer, Membership, Payment
from customers.services import Actor

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
    names += ["details"] + [f"details tab={t}" for t in DETAIL_TABS]
    names += ["report preview", "portal home", "portal billing", "api list", "api retrieve"]
    names += ["ledger post", f"csv export first {EXPORT_ROWS:,} rows"]
    return names


DETAIL_TABS = ["transactions", "subscriptions", "wallet", "license-keys"]


def filter_names() -> list[str]:
    names = [n for n in CustomerFilter.base_filters if n not in NOT_FILTER_CASES]
    missing = set(names) - set(FILTER_VALUES)
    if missing:
        raise CommandError(f"benchmark has no value for filter(s): {', '.join(sorted(missing))}")
    return names


class Command(BaseCommand):
    help = "Benchmark pages, API, ledger and export of a large business against a raw-SQL floor."

    def add_arguments(self, parser):
        parser.add_argument("--business", help="Business name or ID (default: the largest)")
        parser.add_argument("--samples", type=int, default=10, help="Samples per case")
        parser.add_argument("--warmup", type=int, default=2, help="Warm-up requests per case")
        parser.add_argument("--json", dest="json_path", help="Write the results as JSON here")
        parser.add_argument("--plans", dest="plans_path", help="Write EXPLAIN ANALYZE here")

    def handle(self, *args, business, samples, warmup, json_path, plans_path, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "benchmark needs PostgreSQL: set DATABASE_URL to a database with a large "
                "business (see seed_demo --customers)."
            )
        if samples < 1 or warmup < 1:
            raise CommandError("--samples and --warmup must be at least 1.")
        biz = self._business(business)
        customers = Customer.objects.for_business(biz).count()
        with override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            DEBUG=False,
            API_RATE_LIMIT=10**9,
        ):
            cases = self._cases(biz)
            self.stdout.write(
                f"benchmark: {biz.name} ({biz.pk}), {customers:,} customers, "
                f"{samples} samples after {warmup} warm-up, PostgreSQL "
                f"{connection.cursor().connection.info.server_version}, "
                f"{platform.machine()} {platform.python_implementation()} "
                f"{platform.python_version()}"
            )
            results = []
            for case, capture in cases:
                result = measure(case, samples=samples, warmup=warmup, capture=capture)
                results.append(result)
                self.stderr.write(f"  {case.name}: p95 {result.p95:.1f} ms")
        for line in table(results):
            self.stdout.write(line)
        misses = [r.name for r in results if not r.ok]
        if misses:
            self.stdout.write(self.style.WARNING(f"Missed targets: {', '.join(misses)}"))
        else:
            self.stdout.write(self.style.SUCCESS("Every case meets its target."))
        if json_path:
            payload = {
                "business": {"id": biz.pk, "name": biz.name, "customers": customers},
                "samples": samples,
                "warmup": warmup,
                "results": [r.as_dict() for r in results],
            }
            with open(json_path, "w") as fh:
                json.dump(payload, fh, indent=2)
        if plans_path:
            self._plans(plans_path, results)

    # --- setup ------------------------------------------------------------------

    def _business(self, wanted: str | None) -> Business:
        if wanted:
            biz = Business.objects.filter(pk=wanted).first() or (
                Business.objects.filter(name=wanted).first()
            )
            if biz is None:
                raise CommandError(f"No business {wanted!r}.")
            return biz
        top = (
            Customer.objects.values("business_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("business_id", flat=True)[:1]
        )
        if not top:
            raise CommandError("No business has customers; run seed_demo first.")
        return Business.objects.get(pk=top[0])

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

    def _cases(self, biz: Business) -> list[tuple[Case, object]]:
        client = self._owner_client(biz)
        customer = self._active_customer(biz)
        today = timezone.now().date()

        def page(path, params=None, **headers):
            url = f"{path}?{urlencode(params)}" if params else path

            def run():
                response = client.get(url, **headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")

            return run

        cases = [
            (Case("list first page", page("/customers/"), FAST_P95_MS), None),
            (
                Case(
                    "search selective",
                    page("/customers/", {"q": self._selective_term(biz)}),
                    FAST_P95_MS,
                ),
                None,
            ),
            (Case("search common (com)", page("/customers/", {"q": "com"})), None),
            (Case("search short", page("/customers/", {"q": "jo"})), None),
            (
                Case(
                    f"list page {DEEP_PAGE}",
                    page("/customers/", {"page": DEEP_PAGE, "per_page": 25}),
                ),
                None,
            ),
        ]
        for name in filter_names():
            cases.append(
                (Case(f"filter {name}", page("/customers/", FILTER_VALUES[name](today))), None)
            )
        detail = f"/customers/{customer.pk}/"
        cases.append((Case("details", page(detail)), None))
        for tab in DETAIL_TABS:
            cases.append((Case(f"details tab={tab}", page(detail, {"tab": tab})), None))
        cases.append(
            (Case("report preview", page("/customers/report/", HTTP_HX_REQUEST="true")), None)
        )
        portal = self._portal_client(customer)
        cases += [
            (Case("portal home", self._get(portal, "/portal/")), None),
            (Case("portal billing", self._get(portal, "/portal/billing/")), None),
        ]
        _key, raw_key = api_key_create(business=biz, name="benchmark", read_only=True, actor=ACTOR)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        cases += [
            (Case("api list", self._get(api, "/api/customers?page_size=25")), None),
            (Case("api retrieve", self._get(api, f"/api/customers/{customer.pk}")), None),
        ]
        cases.append(self._ledger_case(biz, customer))
        cases.append((self._export_case(client), None))
        return cases

    def _get(self, client: Client, url: str):
        def run():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")

        return run

    def _portal_client(self, customer: Customer) -> Client:
        from portal.services import create_portal_session

        _link, url = create_portal_session(customer=customer, actor=ACTOR)
        client = Client()
        response = client.get(urlsplit(url).path)
        if response.status_code >= 400:
            raise CommandError(f"Opening the portal link answered {response.status_code}.")
        return client

    def _ledger_case(self, biz: Business, customer: Customer):
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

        return Case("ledger post", post, floor="all_rolled_back"), capture

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

        return Case(f"csv export first {EXPORT_ROWS:,} rows", run, floor=f"stream:{EXPORT_ROWS}")

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
