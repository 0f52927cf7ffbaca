"""Fixed-window rate limits on Django's cache.

Configure a shared cache (e.g. Redis or the database cache) in production so every
worker counts together; the default local-memory cache counts per process.
"""

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one attempt; return 0 if allowed, else the seconds until the window resets."""
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return (bucket + 1) * window - now or 1
    return 0
