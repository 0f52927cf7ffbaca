"""Settings for the app `manage.py chaos` serves: the real ones, pointed by the
environment at the throw-away PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).

Database connections are kept (CONN_MAX_AGE) and health-checked before each request
(CONN_HEALTH_CHECKS), so a worker whose connection died with a PostgreSQL restart
opens a new one instead of failing. The cache is Django's RedisCache on REDIS_URL
(with short timeouts, so a stopped Redis answers at once).
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 60
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
    # The rate limiter's fail-open warning: the chaos command counts these lines.
    "loggers": {"customers.core.ratelimit": {"level": "WARNING"}},
}
