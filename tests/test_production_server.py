"""The production server across processes: gunicorn with 2 workers on loopback, the
test database, and a real Redis. Limits hold across workers (they did not in local
memory: 9 mails instead of 5, 399 API successes instead of 240), and the access log
never holds a token."""

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from portal import services
from portal.models import PortalLink
from tests.factories import BusinessFactory, CustomerFactory
from tests.server import Gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url():
    """TEST_REDIS_URL (as tests/worker.py): a Redis database the tests may write to; keys
    get a unique prefix and expire, nothing is flushed."""
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {url} (set TEST_REDIS_URL): {exc}")
    return url


def test_limits_hold_across_two_gunicorn_workers(tmp_path, redis_url):
    business = BusinessFactory(name="Acme Corp")
    CustomerFactory(business=business, email="ada@example.com")
    _key, secret = api_key_create(business=business, name="load", actor=Actor.system("tests"))
    with Gunicorn(tmp_path, env={"REDIS_URL": redis_url}) as server:
        with httpx.Client(base_url=server.base, timeout=30) as web:
            login = f"/portal/{business.pk}/login/"
            csrf = web.get(login).cookies["csrftoken"]
            with ThreadPoolExecutor(6) as pool:
                portal = list(
                    pool.map(
                        lambda _: (
                            web.post(
                                login,
                                data={"email": "ada@example.com"},
                                headers={"X-CSRFToken": csrf},
                            ).status_code
                        ),
                        range(12),
                    )
                )
        headers = {"Authorization": f"Bearer {secret}"}
        with (
            httpx.Client(base_url=server.base, timeout=30, headers=headers) as api,
            ThreadPoolExecutor(8) as pool,
        ):
            answers = list(pool.map(lambda _: api.get("/api/customers?page_size=1"), range(420)))
        log = server.log()
        mails = server.mails()
    magic_links = PortalLink.objects.filter(kind="magic").count()
    print(f"portal: {portal.count(302)} admitted, {mails} mails; ", end="")
    ok = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    print(f"API: {len(ok)} of 420 admitted, {len(refused)} refused")
    assert "Booting worker" in log and log.count("Booting worker") >= 2

    assert set(portal) <= {302, 429}, log[log.find("Traceback") : log.find("Traceback") + 6000]
    assert 1 <= mails == magic_links <= services.LOGIN_LIMIT_PER_EMAIL
    assert portal.count(302) <= services.LOGIN_LIMIT_PER_EMAIL

    assert len(ok) + len(refused) == 420
    assert 200 <= len(ok) <= settings.API_RATE_LIMIT == 240
    last = refused[-1]
    assert last.json()["code"] == "TOO_MANY_REQUESTS"
    assert int(last.headers["Retry-After"]) >= 1
    assert last.headers["X-RateLimit-Limit"] == "240"
    assert last.headers["X-RateLimit-Remaining"] == "0"


def test_the_production_command_logs_no_token(tmp_path, settings):
    customer = CustomerFactory(business=BusinessFactory(name="Acme Corp"))
    _link, url = services.portal_session_create(customer=customer, actor=Actor.system())
    path = url.removeprefix(settings.PUBLIC_BASE_URL)
    token = path.rstrip("/").rsplit("/", 1)[1]
    secrets = [token, "unknown-token-value-1234567890abcdef", "signed-invoice-token-xyz"]
    with Gunicorn(tmp_path) as server, httpx.Client(base_url=server.base, timeout=30) as web:
        assert web.get(path).status_code == 302  # signs in, then drops the token
        assert web.get(f"/portal/session/{secrets[1]}/").status_code == 404
        web.get(f"/api/invoices/payments/pay_x?token={secrets[2]}")
        web.get(f"/accounts/reset/MQ/{secrets[1]}/")
        web.get("/portal/", headers={"Referer": f"{server.base}{path}"})
    log = server.log()
    assert "GET /portal/session/[redacted]/ HTTP/1.1" in log
    assert "GET /api/invoices/payments/pay_x HTTP/1.1" in log
    for secret in secrets:
        assert secret not in log
