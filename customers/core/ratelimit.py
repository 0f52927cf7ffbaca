"""Rate limits on Django's cache, and the client IP they count per.

**Shared.** With `REDIS_URL` set, the cache is Redis (Django's `RedisCache`), so every
worker and every machine counts together; without it (`make run`), local memory
counts per process, and `check --deploy` warns about it.

**A sliding window of slots.** A limit of N requests per W seconds is counted in
slots of W/SLOTS seconds. A request is admitted when the current slot and the SLOTS
slots before it (W to W + W/SLOTS seconds of history) hold at most N admitted
requests. So no stretch of W seconds ever admits more than N, wherever it starts —
a fixed window admits up to 2N across its boundary — at the price of forgetting a
request up to W/SLOTS seconds later than an exact log would.

**Atomic.** A request first increments its slot (Redis INCR), then reads the
others (one MGET); if the sum is over the limit it gives its count back and is
refused. Two racing requests near the limit can both be refused; they can never
both be admitted over it.

**Fails open.** If the cache is down, requests are admitted and the failure is
logged: the API, the portal and sign-in keep working without throttling rather
than all failing (README, Security).
"""

import dataclasses
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

SLOTS = 10


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What one counted request learnt: the `X-RateLimit-*` and `Retry-After` values."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until everything counted now has left the window
    retry_after: int  # 0 when allowed; else seconds until a request can be admitted
    slot_key: str = dataclasses.field(default="", compare=False)  # to give the count back


def _clock() -> float:
    return time.time()


def _incr(key: str, ttl: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # the slot's first request (or it was evicted)
        if cache.add(key, 1, timeout=ttl):
            return 1
        return cache.incr(key)  # another worker created it meanwhile


def _retry_after_ms(history: list[int], limit: int, slot_ms: int, current: int, now_ms: int):
    """Milliseconds until enough old slots have left the window to admit one request.
    history[i] counts slot `current - SLOTS + i`; in slot `current + j` the first j
    of them no longer count."""
    for j in range(1, len(history) + 1):
        if sum(history[j:]) < limit:
            return (current + j) * slot_ms - now_ms
    return (current + len(history)) * slot_ms - now_ms


def take(key: str, *, limit: int, window: int) -> Verdict:
    """Count one request against `limit` per `window` seconds under `key`."""
    now_ms = int(_clock() * 1000)
    slot_ms = max(1, window * 1000 // SLOTS)
    current = now_ms // slot_ms
    keys = [f"rl:{key}:{window}:{slot}" for slot in range(current - SLOTS, current + 1)]
    reset = math.ceil(((current + SLOTS + 1) * slot_ms - now_ms) / 1000)
    try:
        mine = _incr(keys[-1], ttl=max(10, math.ceil((SLOTS + 2) * slot_ms / 1000) + 1))
        earlier = cache.get_many(keys[:-1])
    except Exception:  # the cache is down: fail open, loudly
        logger.exception("Rate-limit cache unavailable; admitting %s", key)
        return Verdict(True, limit, limit, reset, 0)
    history = [int(earlier.get(k) or 0) for k in keys[:-1]] + [mine]
    used = sum(history)
    if used <= limit:
        return Verdict(True, limit, limit - used, reset, 0, keys[-1])
    give_back(Verdict(False, limit, 0, reset, 0, keys[-1]))
    history[-1] -= 1
    wait_ms = _retry_after_ms(history, limit, slot_ms, current, now_ms)
    return Verdict(False, limit, 0, reset, max(1, math.ceil(wait_ms / 1000)))


def take_all(rules: list[tuple[str, int, int]]) -> Verdict:
    """Count one request under every (key, limit, window) rule; admitted only if every
    rule admits it (the others then give their count back). Returns the refusing
    verdict with the longest wait, or the admitting one with the fewest remaining."""
    verdicts = [take(key, limit=limit, window=window) for key, limit, window in rules]
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        for verdict in verdicts:
            if verdict.allowed:
                give_back(verdict)
        return max(refused, key=lambda v: v.retry_after)
    return min(verdicts, key=lambda v: (v.remaining, -v.reset))


def give_back(verdict: Verdict) -> None:
    """Uncount an admitted request (a sign-in that succeeded, a rule that refused)."""
    if not verdict.slot_key:
        return
    try:
        cache.decr(verdict.slot_key)
    except ValueError:  # the slot expired meanwhile
        pass
    except Exception:
        logger.exception("Rate-limit cache unavailable; could not give back a count")


def forget(key: str, *, window: int) -> None:
    """Drop everything counted under `key` (e.g. an account's failures after a reset)."""
    slot_ms = max(1, window * 1000 // SLOTS)
    current = int(_clock() * 1000) // slot_ms
    try:
        cache.delete_many(
            [f"rl:{key}:{window}:{slot}" for slot in range(current - SLOTS, current + 1)]
        )
    except Exception:
        logger.exception("Rate-limit cache unavailable; could not clear %s", key)


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one request; 0 if admitted, else the seconds to wait."""
    return take(key, limit=limit, window=window).retry_after


def client_ip(request) -> str:
    """The address of whoever sent the request.

    `REMOTE_ADDR`, unless `TRUSTED_PROXY_COUNT` (default 0) proxies stand in front of
    the app: each appends the address it received the request from to
    `X-Forwarded-For`, so the client is the entry that many places from the right.
    Entries to the left of it were written by the client and are ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def ip_bucket(ip: str) -> str:
    """What a per-IP limit counts: the address, or its /64 for IPv6 (one subscriber's
    network hands out a whole /64)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))
