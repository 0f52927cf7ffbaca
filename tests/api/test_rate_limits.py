"""Rate limits on the API: per key with X-RateLimit-* headers, and per client IP on
the key-less endpoints (/licenses/*, invoice downloads), as Dodo documents them."""

import pytest

from config import settings as settings_module
from customers.api.invoices import invoice_url
from customers.core import ratelimit


@pytest.fixture(autouse=True)
def _dodo_limits(settings):
    """The shipped per-IP limits (the package's conftest raises them for other tests)."""
    settings.PUBLIC_API_RATE_LIMITS = [(100, 60), (20, 1)]


def test_the_shipped_per_ip_limits_are_dodo_s():
    assert settings_module.PUBLIC_API_RATE_LIMITS == [(100, 60), (20, 1)]


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 2_000_000.0

    monkeypatch.setattr(ratelimit, "_clock", lambda: Clock.now)
    return Clock


def limit_headers(response):
    return tuple(
        int(response[name])
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    )


def test_keyed_answers_carry_the_rate_limit_headers(api, settings, clock):
    settings.API_RATE_LIMIT = 3
    first, second = api.get("/customers"), api.get("/customers")
    limit, remaining, reset = limit_headers(first)
    assert (limit, remaining) == (3, 2) and 60 <= reset <= 66
    assert limit_headers(second)[:2] == (3, 1)
    api.get("/customers")
    refused = api.get("/customers")
    assert refused.status_code == 429
    assert limit_headers(refused)[:2] == (3, 0)
    assert int(refused["Retry-After"]) >= 1


def test_errors_after_authentication_carry_the_headers_too(api):
    response = api.get("/customers/cus_doesnotexist0000000000")
    assert response.status_code == 404
    assert "X-RateLimit-Remaining" in response


LICENSE_BODY = {"license_key": "no-such-key", "license_key_instance_id": None}


def validate(client, ip="198.51.100.7", **extra):
    return client.post(
        "/api/licenses/validate",
        LICENSE_BODY,
        content_type="application/json",
        REMOTE_ADDR=ip,
        **extra,
    )


def test_key_less_endpoints_allow_20_a_second_per_ip(client, db, clock):
    statuses = [validate(client).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    refused = validate(client)
    assert refused.json() == {
        "code": "TOO_MANY_REQUESTS",
        "message": "Too many requests from this address; retry after the Retry-After delay.",
    }
    assert 1 <= int(refused["Retry-After"]) <= 2
    assert validate(client, ip="198.51.100.8").status_code == 200  # another client
    clock.now += 1.2
    assert validate(client).status_code == 200


def test_key_less_endpoints_allow_100_a_minute_per_ip(client, db, clock):
    admitted = 0
    for _ in range(12):  # 120 requests, 10 a second: under the per-second limit
        admitted += sum(validate(client).status_code == 200 for _ in range(10))
        clock.now += 1
    assert admitted == 100
    response = validate(client)
    assert response.status_code == 429
    assert limit_headers(response)[:2] == (100, 0)
    assert 45 <= int(response["Retry-After"]) <= 60


def test_an_authorization_header_does_not_lift_the_per_ip_limit(client, db, clock, api_key):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key}"}
    statuses = [validate(client, **auth).status_code for _ in range(21)]
    assert statuses[-1] == 429


def test_invoice_token_downloads_are_limited_per_ip(client, billing, clock, settings):
    settings.PUBLIC_API_RATE_LIMITS = [(3, 60)]  # the same rule, fewer PDFs to render
    url = invoice_url("payments", billing["payment"].pk).split("http://127.0.0.1:8000")[1]
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.5").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert limit_headers(client.get(url, REMOTE_ADDR="203.0.113.6"))[:2] == (3, 2)


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, db, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(20):
        validate(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert validate(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert validate(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # A client cannot pick a fresh address by writing its own entry to the left.
    spoofed = validate(client, ip=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert spoofed.status_code == 429
