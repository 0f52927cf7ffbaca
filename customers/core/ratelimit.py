"""Fixed-window rate limits on Django's cache.

Configure a shared cache (e.g. Redis or the database cache) in production so every
worker counts together; the default local-memory cache counts per process.

When the shared cache is unreachable the limits fail open to a per-process count:
each worker keeps counting in its own memory (so one client gets at most the limit
times the number of workers) and the request goes on. A cache outage must not
become an outage of the API, the portal login or the money writes behind them;
the limits are an abuse brake, while money is protected by the database
(idempotency keys, row locks, constraints), which does not depend on the cache.
"""

import logging
import time

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

# Used only while the shared cache is down (see the module's docstring).
_fallback = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _count(store, cache_key: str, window: int) -> int:
    store.add(cache_key, 0, timeout=window + 5)
    try:
        return store.incr(cache_key)
    except ValueError:  # evicted between add and incr
        store.set(cache_key, 1, timeout=window + 5)
        return 1


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one attempt; return 0 if allowed, else the seconds until the window resets."""
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{key}:{bucket}"
    try:
        count = _count(cache, cache_key, window)
    except Exception as exc:  # noqa: BLE001 — any backend's connection error: count locally
        logger.warning("rate-limit cache unavailable (%r); counting in this process", exc)
        count = _count(_fallback, cache_key, window)
    if count > limit:
        return (bucket + 1) * window - now or 1
    return 0
