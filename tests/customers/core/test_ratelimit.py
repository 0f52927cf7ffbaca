"""Rate limits count in the shared cache, and fail open to a per-process count when
that cache is down (customers.core.ratelimit)."""

import pytest

from customers.core import ratelimit
from tests.timing import within_one_window

DOWN = {  # a Redis nobody listens on: every call fails to connect
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


def test_the_limit_holds_in_the_shared_cache():
    within_one_window(60)
    assert [ratelimit.hit("t:shared", limit=2, window=60) for _ in range(3)][:2] == [0, 0]
    assert 0 < ratelimit.hit("t:shared", limit=2, window=60) <= 60


def test_a_cache_outage_fails_open_to_a_per_process_count(settings, caplog):
    settings.CACHES = DOWN
    within_one_window(60)
    results = [ratelimit.hit("t:outage", limit=3, window=60) for _ in range(4)]
    assert results[:3] == [0, 0, 0]  # no exception, the requests go on
    assert 0 < results[3] <= 60  # and this process still brakes a flood
    assert "rate-limit cache unavailable" in caplog.text


@pytest.fixture(autouse=True)
def _forget_the_fallback():
    ratelimit._fallback.clear()
    yield
    ratelimit._fallback.clear()
