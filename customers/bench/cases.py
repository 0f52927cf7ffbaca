"""The benchmark command's cases: every page, API call, ledger post and export it
times for one business, with the client each case's view floor goes through."""

import datetime as dt
import os
import platform
import random
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.bench.pages import (
    ALL_REQUESTS_P95_MS,
    FAST_P95_MS,
    OVERVIEW_P95_MS,
    Case,
    get_ok,
)
from customers.core.money import to_decimal
from customers.core.pagination import keyset_cursor
from customers.filters import CustomerFilter
from customers.models import (
    Business,
    Customer,
    CustomerSpend,
    CustomerTag,
    Event,
    Membership,
    Payment,
    Tag,
)
from customers.overview.forms import MAX_DAYS
from portal.services import portal_session_create
from wallets.credits.selectors import column_entitlements
from wallets.models import Wallet
from wallets.services import ledger_post

ACTOR = Actor.system("benchmark")
USERNAME = "benchmark-owner@bench.invalid"
EXPORT_ROWS = 1000
DEEP_PAGE = 400
# Filters and the query-string values each case uses (q has its own cases; the
# currency of min_paid rides with it).
FILTER_VALUES = {
    "created_after": lambda today, biz: {
        "created_after": (today - dt.timedelta(days=30)).isoformat()
    },
    "created_before": lambda today, biz: {
        "created_before": (today - dt.timedelta(days=180)).isoformat()
    },
    "has_phone": lambda today, biz: {"has_phone": "true"},
    "has_wallet_balance": lambda today, biz: {"has_wallet_balance": "true"},
    "has_active_subscription": lambda today, biz: {"has_active_subscription": "true"},
    "tag": lambda today, biz: {"tag": bench_tag(biz)},
    "ids": lambda today, biz: {"ids": ",".join(newest_ids(biz, 25))},
    "min_paid": lambda today, biz: {
        "min_paid": "100",
        "min_paid_currency": settings.WALLET_CURRENCIES[0],
    },
    "credits": lambda today, biz: {"credits": bench_credit(biz)},
    "credits_below": lambda today, biz: {"credits": bench_credit(biz), "credits_below": "100"},
    "credits_overage": lambda today, biz: {"credits_overage": "true"},
}
NOT_FILTER_CASES = {"q", "min_paid_currency"}
BENCH_TAGGED = 2000  # customers the benchmark's tag is on, spread over sign-up dates


def bench_tag(biz: Business) -> str:
    """The benchmark's tag, on BENCH_TAGGED customers taken in e-mail order (so spread
    over the years): the tag filter's case."""
    tag, created = Tag.objects.get_or_create(
        business=biz, name="Benchmark", defaults={"color": "blue"}
    )
    if created:
        ids = (
            Customer.objects.for_business(biz).order_by("email", "id").values_list("pk", flat=True)
        )
        CustomerTag.objects.bulk_create(
            [CustomerTag(business=biz, customer_id=pk, tag=tag) for pk in ids[:BENCH_TAGGED]],
            ignore_conflicts=True,
        )
    return tag.pk


def bench_credit(biz: Business) -> str:
    """The credit filters' entitlement: the business's first live one (seed_demo makes
    "API calls"); "" without one, and the case then times the unfiltered list."""
    found = column_entitlements(biz)
    return found[0].pk if found else ""


def newest_ids(biz: Business, count: int) -> list[str]:
    customers = Customer.objects.for_business(biz).order_by("-created_at", "-id")
    return list(customers.values_list("pk", flat=True)[:count])


def case_names() -> list[str]:
    """Every case, in order (the test checks the table and JSON against this)."""
    names = ["list first page", "search selective", "search common (com)", "search short"]
    names += [f"list page {DEEP_PAGE}"]
    names += [f"filter {f}" for f in filter_names()]
    names += ["filter min_paid top 1%", "filter min_paid top 1% + has_phone", "sort by name"]
    names += ["details"] + [f"details tab={t}" for t in DETAIL_TABS]
    names += ["details timeline older page", "details timeline payments"]
    names += [f"overview {p}" for p in OVERVIEW_PERIODS]
    names += ["report preview", "report preview has_active_subscription"]
    names += ["portal home", "portal billing", "api list", "api retrieve"]
    names += ["ledger post", f"csv export first {EXPORT_ROWS:,} rows"]
    return names


DETAIL_TABS = ["transactions", "subscriptions", "wallet", "license-keys"]
OVERVIEW_PERIODS = ["30", "90", "month", "custom 3 years"]


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


def owner_client(biz: Business) -> Client:
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


def active_customer(biz: Business) -> Customer:
    """A customer with a wallet, payments and (if any) a subscription."""
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


def selective_term(biz: Business) -> str:
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


def cases(biz: Business) -> list[Case]:
    """Every case for one business; each carries the client its view floor uses."""
    owner = owner_client(biz)
    customer = active_customer(biz)
    today = timezone.now().date()

    def page(name, path, params=None, target_ms=ALL_REQUESTS_P95_MS, **headers) -> Case:
        url = f"{path}?{urlencode(params)}" if params else path
        return Case(name, get_ok(owner, url, **headers), owner, target_ms)

    cases = [
        page("list first page", "/customers/", target_ms=FAST_P95_MS),
        page(
            "search selective",
            "/customers/",
            {"q": selective_term(biz)},
            target_ms=FAST_P95_MS,
        ),
        page("search common (com)", "/customers/", {"q": "com"}),
        page("search short", "/customers/", {"q": "jo"}),
        page(f"list page {DEEP_PAGE}", "/customers/", {"page": DEEP_PAGE, "per_page": 25}),
    ]
    cases += [
        page(f"filter {name}", "/customers/", FILTER_VALUES[name](today, biz))
        for name in filter_names()
    ]
    top = {"min_paid": top_spend(biz), "min_paid_currency": settings.WALLET_CURRENCIES[0]}
    cases += [
        page("filter min_paid top 1%", "/customers/", top),
        page("filter min_paid top 1% + has_phone", "/customers/", {**top, "has_phone": "true"}),
        page("sort by name", "/customers/", {"sort": "name"}),
    ]
    detail = f"/customers/{customer.pk}/"
    cases.append(page("details", detail))
    cases += [page(f"details tab={tab}", detail, {"tab": tab}) for tab in DETAIL_TABS]
    timeline = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline"}
    cases.append(
        page(
            "details timeline older page",
            detail,
            {"before": timeline_cursor(customer)},
            target_ms=OVERVIEW_P95_MS,
            **timeline,
        )
    )
    cases.append(
        page(
            "details timeline payments",
            detail,
            {"activity": "payments"},
            target_ms=OVERVIEW_P95_MS,
            **timeline,
        )
    )
    cases += [
        page(f"overview {name}", "/", overview_params(name, today), target_ms=OVERVIEW_P95_MS)
        for name in OVERVIEW_PERIODS
    ]
    cases.append(page("report preview", "/customers/report/", HTTP_HX_REQUEST="true"))
    cases.append(
        page(
            "report preview has_active_subscription",
            "/customers/report/",
            {"has_active_subscription": "true"},
            HTTP_HX_REQUEST="true",
        )
    )
    portal = portal_client(customer)
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
    cases.append(ledger_case(biz, customer, owner))
    cases.append(export_case(owner, biz))
    return cases


def overview_params(name: str, today: dt.date) -> dict:
    if name.startswith("custom"):
        start = today - dt.timedelta(days=MAX_DAYS - 1)
        return {"period": "custom", "start": start.isoformat(), "end": today.isoformat()}
    return {"period": name}


def timeline_cursor(customer: Customer) -> str:
    """The customer's newest event's cursor (the timeline's second page starts there);
    a cursor from now when they have none."""
    newest = Event.objects.filter(business_id=customer.business_id, customer_id=customer.pk)
    event = newest.order_by("-created_at", "-id").first()
    if event is None:
        return f"{int(timezone.now().timestamp() * 1_000_000)}.evt_z"
    return keyset_cursor(event)


def top_spend(biz: Business) -> str:
    """The total paid (major units) that one customer in a hundred of those who
    paid reaches: big spenders, who are mostly old customers."""
    spend = CustomerSpend.objects.filter(
        business=biz, currency=settings.WALLET_CURRENCIES[0], net__gt=0
    )
    rank = spend.count() // 100
    nets = list(spend.order_by("-net").values_list("net", flat=True)[rank : rank + 1])
    return str(to_decimal(nets[0] if nets else 1, settings.WALLET_CURRENCIES[0]))


def portal_client(customer: Customer) -> Client:
    _link, url = portal_session_create(customer=customer, actor=ACTOR)
    client = Client()
    response = client.get(urlsplit(url).path)
    if response.status_code >= 400:
        raise CommandError(f"Opening the portal link answered {response.status_code}.")
    return client


def ledger_case(biz: Business, customer: Customer, client: Client) -> Case:
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


def export_case(client: Client, biz: Business) -> Case:
    """The streamed export (what a request writes): the customers who signed up since a
    day that keeps them under EXPORT_JOB_THRESHOLD, so the request streams rather than
    handing a larger list to the worker (bench_export measures that)."""
    newest = Customer.objects.for_business(biz).order_by("-created_at", "-id")
    since = newest.values_list("created_at", flat=True)[settings.EXPORT_JOB_THRESHOLD // 2 :][:1]
    url = "/customers/export.csv"
    if since:
        url += f"?created_after={(since[0] + dt.timedelta(days=1)).date().isoformat()}"

    def run():
        response = client.get(url)
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
