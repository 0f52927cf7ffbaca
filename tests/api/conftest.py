import json

import pytest
from django.core.cache import cache

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from tests.portal.conftest import make_instance, make_license, make_payment, make_product
from tests.portal.conftest import make_subscription as make_sub


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test starts with empty rate-limit windows and generous limits (per key and
    per IP: schemathesis and the SDK tests call the key-less endpoints many times)."""
    cache.clear()
    settings.API_RATE_LIMIT = 100_000
    settings.PUBLIC_API_RATE_LIMITS = [(100_000, 60)]
    yield
    cache.clear()


def make_key(business, *, read_only=False, name="CI key"):
    _key, raw = api_key_create(
        business=business, name=name, read_only=read_only, actor=Actor.system("tests")
    )
    return raw


@pytest.fixture
def api_key(business):
    return make_key(business)


@pytest.fixture
def read_only_key(business):
    return make_key(business, read_only=True, name="Read-only")


@pytest.fixture
def other_key(other_business):
    return make_key(other_business, name="Globex key")


class Api:
    """Django's test client with a bearer key and JSON bodies."""

    def __init__(self, client, key):
        self.client = client
        self.key = key

    def _headers(self, key):
        key = self.key if key is ... else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path, key=..., **params):
        return self.client.get(f"/api{path}", params, headers=self._headers(key))

    def _send(self, method, path, body, key, raw=None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(
            f"/api{path}", data, content_type="application/json", headers=self._headers(key)
        )

    def post(self, path, body=None, key=..., raw=None):
        return self._send("post", path, body, key, raw)

    def patch(self, path, body=None, key=..., raw=None):
        return self._send("patch", path, body, key, raw)

    def delete(self, path, key=...):
        return self.client.delete(f"/api{path}", headers=self._headers(key))


@pytest.fixture
def api(client, api_key):
    return Api(client, api_key)


@pytest.fixture
def billing(business, customer):
    """One of everything for `customer`: a one-time payment with a license key and an
    activation, and an active subscription with its first payment."""
    product = make_product(business, is_recurring=False, payment_frequency_interval="")
    plan = make_product(business, name="Team plan")
    payment = make_payment(customer, product, total_amount=5000, tax=500)
    sub = make_sub(customer, plan)
    sub_payment = make_payment(
        customer, plan, subscription=sub, pricing_type="subscription", charge_type="new"
    )
    key = make_license(customer, product, payment=payment)
    instance = make_instance(key)
    return {
        "product": product,
        "plan": plan,
        "payment": payment,
        "subscription": sub,
        "sub_payment": sub_payment,
        "license_key": key,
        "instance": instance,
    }
