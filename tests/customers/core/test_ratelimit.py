"""The sliding-window limiter and the client IP it counts per."""

import logging

import pytest
from django.test import RequestFactory

from customers.core import ratelimit


class Clock:
    """A settable time for the limiter."""

    def __init__(self, monkeypatch, start=1_000_000.0):
        self.now = start
        monkeypatch.setattr(ratelimit, "_clock", lambda: self.now)


def admitted(n, **rule):
    return sum(ratelimit.take("k", **rule).allowed for _ in range(n))


def test_no_stretch_of_the_window_admits_more_than_the_limit_across_a_boundary(monkeypatch):
    # A fixed minute admitted 10 at 0:59 and 10 more at 1:00; a sliding one does not.
    clock = Clock(monkeypatch, start=60 * 100_000 + 59.5)
    assert admitted(15, limit=10, window=60) == 10
    clock.now += 1  # the next fixed minute
    assert admitted(15, limit=10, window=60) == 0
    clock.now += 60  # a whole window after the first burst (plus at most a slot)
    assert admitted(15, limit=10, window=60) >= 1


@pytest.mark.parametrize("start", [0.0, 3.3, 9.99, 59.99])
def test_a_steady_stream_never_exceeds_the_limit_in_any_window(monkeypatch, start):
    clock = Clock(monkeypatch, start=600_000 + start)
    times = []
    for _ in range(400):  # 4 requests a second for 100 s against 20 per 10 s
        if ratelimit.take("stream", limit=20, window=10).allowed:
            times.append(clock.now)
        clock.now += 0.25
    assert max(sum(1 for t in times if s <= t < s + 10) for s in times) <= 20
    assert len(times) >= 20 * 100 / 10 * 0.8  # still close to the allowed rate


def test_verdict_carries_limit_remaining_reset_and_retry_after(monkeypatch):
    Clock(monkeypatch, start=1_000_000.0)
    first = ratelimit.take("v", limit=3, window=60)
    assert (first.allowed, first.limit, first.remaining) == (True, 3, 2)
    assert 60 <= first.reset <= 66
    ratelimit.take("v", limit=3, window=60)
    ratelimit.take("v", limit=3, window=60)
    refused = ratelimit.take("v", limit=3, window=60)
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert 60 <= refused.retry_after <= 66


def test_refused_requests_are_not_counted(monkeypatch):
    clock = Clock(monkeypatch)
    assert admitted(50, limit=5, window=60) == 5
    clock.now += 71  # the five admitted ones have left; the 45 refused never counted
    assert admitted(5, limit=5, window=60) == 5


def test_give_back_and_forget(monkeypatch):
    Clock(monkeypatch)
    verdict = ratelimit.take("g", limit=1, window=60)
    ratelimit.give_back(verdict)
    assert ratelimit.take("g", limit=1, window=60).allowed
    assert not ratelimit.take("g", limit=1, window=60).allowed
    ratelimit.forget("g", window=60)
    assert ratelimit.take("g", limit=1, window=60).allowed


def test_take_all_refuses_if_any_rule_does_and_gives_back_the_rest(monkeypatch):
    Clock(monkeypatch)
    rules = [("a", 100, 60), ("a", 2, 1)]
    assert [ratelimit.take_all(rules).allowed for _ in range(3)] == [True, True, False]
    # The refused request was not counted against the minute rule either.
    minute = ratelimit.take("a", limit=100, window=60)
    assert minute.remaining == 100 - 3


def test_a_cache_outage_fails_open_and_is_logged(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit.cache, "incr", broken)
    with caplog.at_level(logging.ERROR, logger="customers.core.ratelimit"):
        verdict = ratelimit.take("down", limit=1, window=60)
    assert verdict.allowed and verdict.remaining == 1
    assert "Rate-limit cache unavailable" in caplog.text


def test_a_stopped_redis_fails_open_and_fast(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with caplog.at_level(logging.ERROR, logger="customers.core.ratelimit"):
        verdicts = [ratelimit.take("down", limit=1, window=60) for _ in range(3)]
    assert all(v.allowed for v in verdicts)
    assert "Rate-limit cache unavailable" in caplog.text


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # header ignored without trusted proxies
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # fewer entries than proxies
        (1, "not-an-ip", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_number_of_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_ipv6_clients_are_counted_per_64():
    assert ratelimit.ip_bucket("2001:db8:1:2::1") == ratelimit.ip_bucket("2001:db8:1:2:ffff::9")
    assert ratelimit.ip_bucket("2001:db8:1:3::1") != ratelimit.ip_bucket("2001:db8:1:2::1")
    assert ratelimit.ip_bucket("::ffff:198.51.100.7") == "198.51.100.7"
    assert ratelimit.ip_bucket("198.51.100.7") == "198.51.100.7"
