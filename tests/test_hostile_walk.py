"""The hostile walk: every URL pattern of the URLconf and every operation of the OpenAPI
schema, as each kind of visitor, gets the corpus of tests/hostile.py in each path
parameter, query parameter, form field and JSON field. No answer may be a 5xx (or an
exception). Nothing here names a URL: new ones are walked as they are added.

Path parameters first get valid IDs of one small world (so the view runs past its
lookup), then hostile values. Query parameters and form fields are read off each page
the visitor can open (its links and forms, with their defaults), and off the schema
for the API. Each parameter gets the corpus's ALWAYS values and a few more, the same
ones every run (tests/hostile.sample), which keeps the walk to about a minute.
"""

import json

import pytest
from django.core.cache import cache

from config.api import api
from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.models import SavedReport
from tests.factories import RefundFactory
from tests.hostile import form_body, form_bytes, path_segment, sample
from tests.portal.conftest import (
    make_instance,
    make_license,
    make_payment,
    make_product,
    make_subscription,
    portal_link,
)
from tests.walk import api_operations, page_inputs, plausible, url_routes
from tests.wallets.credits.helpers import entitlement, grant
from wallets.services import ledger_post

pytestmark = pytest.mark.django_db

# How many corpus values beyond ALWAYS each parameter gets, per visitor.
DEPTH = {"anonymous": 1, "viewer": 1, "owner": 3, "api_key": 2, "customer": 3}
# Query parameters every page may read (the one pager, redirects after login), walked
# even where this small world shows no link with them.
COMMON_QUERY = {"page", "per_page", "next"}
# At most this many of a page's links to itself are opened to find more forms.
VARIANTS = 6
# Whole JSON bodies that are not what any operation takes.
RAW_BODIES = ["[", "null", '"text"', "[" * 5000 + "]" * 5000, '{"a": NaN}', "\x00", "{}" * 3]


class Walker:
    def __init__(self, client, role: str, world: dict, headers: dict | None = None):
        self.client, self.role, self.world = client, role, world
        self.headers = headers or {}
        self.k = DEPTH[role]
        self.failures: list[str] = []
        self.requests = 0
        self.forms_done: set = set()

    def send(self, method: str, url: str, body: str = "", content_type: str = "") -> object:
        self.requests += 1
        content_type = content_type or "application/x-www-form-urlencoded"
        try:
            response = self.client.generic(
                method, url, body, content_type=content_type, headers=self.headers
            )
        except Exception as exc:  # the test client re-raises what a view raised
            self.failures.append(f"{method} {url[:160]} raised {type(exc).__name__}: {exc}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:160]} answered {response.status_code}")
        return response

    def valid(self, route_template: str, name: str) -> str:
        if name == "key_id" and "api-keys" in route_template:
            return self.world["api_key_id"]
        if name == "id":
            return self.world["instance_id" if "instances" in route_template else "key_id"]
        return self.world.get(name, "x")

    def path(self, template: str, params, **override) -> str:
        values = {p: override.get(p, self.valid(template, p)) for p in params}
        return template.format(**{p: path_segment(v) for p, v in values.items()})

    def walk_path_params(self, template: str, params, methods) -> None:
        for param in params:
            values = sample(f"{self.role} {template} {param}", self.k)
            if template.startswith("/admin/"):  # Django's own, 150 patterns: NUL only
                values = values[:1]
            for _name, value in values:
                for method in methods:
                    self.send(method, self.path(template, params, **{param: value}))

    def walk_query(self, url: str, names, *, k: int | None = None) -> None:
        for name in sorted(names):
            for _label, value in sample(f"{self.role} {url} ?{name}", self.k if k is None else k):
                self.send("GET", f"{url}?{form_bytes(name)}={form_bytes(value)}")

    def walk_form(self, form) -> None:
        key = (form.action, form.method, tuple(sorted(form.fields)))
        if key in self.forms_done:
            return
        self.forms_done.add(key)
        fields = {n: v for n, v in form.fields.items() if n != "csrfmiddlewaretoken"}
        for name in fields:
            for _label, value in sample(f"{self.role} {form.action} {name}", self.k):
                data = {**fields, name: value}
                if form.method == "get":
                    self.send("GET", f"{form.action}?{form_body(data)}")
                else:
                    self.send("POST", form.action, form_body(data))

    def walk_urlconf(self) -> None:
        routes = sorted(url_routes(), key=lambda r: "logout" in r.template)  # sign out last
        for route in routes:
            url = self.path(route.template, route.params)
            api_route = route.template.startswith("/api/")
            admin = route.template.startswith("/admin/")
            response = self.send("GET", url)
            if not admin:
                self.send("POST", url)
            methods = ("GET",) if admin else ("GET", "POST")
            self.walk_path_params(route.template, route.params, methods)
            if api_route or admin or response is None or response.status_code != 200:
                continue
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            page = page_inputs(response.content.decode(), url)
            self.walk_query(url, page.query_names | COMMON_QUERY)
            forms = list(page.forms)
            for variant in page.variants[:VARIANTS]:
                found = self.send("GET", variant)
                if found is not None and found.status_code == 200:
                    forms += page_inputs(found.content.decode(), url).forms
            for form in forms:
                self.walk_form(form)

    def walk_api(self) -> None:
        for op in api_operations(api.get_openapi_schema()):
            url = self.path(op.template, op.path_params)
            baseline = {f: plausible(op.body[f]) for f in op.required if f in op.body}
            sends_body = op.method in ("POST", "PATCH", "PUT")
            kind = "application/json"
            self.send(op.method, url, json.dumps(baseline) if sends_body else "", kind)
            self.walk_path_params(op.template, op.path_params, (op.method,))
            self.walk_query(url, op.query)
            if not sends_body:
                continue
            for name in op.body:
                for _label, value in sample(f"{self.role} {op} {name}", self.k, json_types=True):
                    self.send(op.method, url, json.dumps({**baseline, name: value}), kind)
            for raw in RAW_BODIES:
                self.send(op.method, url, raw, kind)


@pytest.fixture
def world(business, owner, viewer, customer, settings):
    """One of everything a path parameter can name, for one business."""
    settings.API_RATE_LIMIT = 1_000_000  # the walk is not about rate limits
    cache.clear()
    product = make_product(business, is_recurring=False, payment_frequency_interval="")
    payment = make_payment(customer, product)
    failed = make_payment(customer, product, status="failed")
    subscription = make_subscription(customer, make_product(business, name="Team plan"))
    key = make_license(customer, product, payment=payment)
    instance = make_instance(key)
    refund = RefundFactory(payment=payment)
    ledger_post(
        business=business,
        customer=customer,
        currency="USD",
        amount=5000,
        direction="credit",
        event_type="merchant_adjustment",
        reason="walk",
        actor=Actor.system("tests"),
    )
    api_key, raw_key = api_key_create(
        business=business, name="walk", read_only=False, actor=Actor.system("tests")
    )
    # A credit the customer holds: the table's and the report's credit filters then
    # show their choices (and their fields) to walk.
    calls = entitlement(business, overage_enabled=True, overage_limit=10)
    grant(calls, customer, 5)
    report = SavedReport.objects.create(business=business, name="Walk", columns=["name"])
    yield {
        "business": business,
        "owner": owner,
        "viewer": viewer,
        "customer": customer,
        "raw_key": raw_key,
        "customer_id": customer.pk,
        "payment_id": payment.pk,
        "failed_payment_id": failed.pk,
        "refund_id": refund.pk,
        "subscription_id": subscription.pk,
        "key_id": key.pk,
        "instance_id": instance.pk,
        "api_key_id": api_key.pk,
        "report_id": report.pk,
        "business_id": business.pk,
        "link_id": "pln_x",
        "token": "not-a-token",
    }
    cache.clear()


def _visitor(client, role, world) -> Walker:
    headers = {}
    if role in ("owner", "viewer"):
        client.force_login(world[role])
    elif role == "customer":
        assert client.get(portal_link(world["customer"])).status_code == 302
    elif role == "api_key":
        headers = {"Authorization": f"Bearer {world['raw_key']}"}
    return Walker(client, role, world, headers)


@pytest.mark.parametrize("role", list(DEPTH))
def test_no_url_answers_a_hostile_value_with_a_server_error(client, world, role):
    walker = _visitor(client, role, world)
    walker.walk_urlconf()
    walker.walk_api()
    print(f"hostile walk as {role}: {walker.requests} requests")  # shown with -s
    assert walker.requests > 1000  # the walk found the URLs (a broken discovery walks none)
    assert walker.failures == [], f"{len(walker.failures)} of {walker.requests}"
