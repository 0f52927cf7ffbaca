"""System checks for running in production (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def shared_cache_check(app_configs, **kwargs):
    """Rate limits count in the default cache: per process, each gunicorn worker would
    grant the whole limit again."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process: with several "
            "workers, rate limits (API keys, portal and merchant sign-in) multiply by the "
            "number of workers.",
            hint="Set REDIS_URL to a Redis database shared by every worker.",
            id="customers.W001",
        )
    ]
