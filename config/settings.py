"""Settings for Customer Hub, read from environment variables.

Defaults are safe for production (DEBUG off, secure cookies, HSTS, HTTPS redirect);
`make run` turns DEBUG on for local development. See README.md for every variable.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, replica_database

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Links e-mailed to people are built from this, never from the request's Host header.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "template_partials",
    "csp",
    "django_celery_results",  # failed tasks, kept for admin (CELERY_RESULT_BACKEND)
    "ninja",  # its templates and static files: /api/docs serves Swagger UI from our origin
    "customers",
    "wallets",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.PortalLanguageMiddleware",  # /portal/ only: the customer's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "customers.accounts.middleware.CurrentBusinessMiddleware",
    "customers.core.replicas.PinToPrimaryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "customers.accounts.context_processors.business",
            ],
        },
    }
]
FORM_RENDERER = "customers.core.renderers.FormRenderer"  # widgets drawn by Jinja2

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker writes beside the web server (make run): wait for the lock instead
    # of failing, take it at the start of each transaction, let readers read meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
# A PostgreSQL streaming replica for the reads that tolerate lag: customers.core.replicas.
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 5)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 2)
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
# customers.core.prepared: check every prepared selector's SQL against the ORM's (tests).
PREPARED_QUERIES_CHECK = env_bool("PREPARED_QUERIES_CHECK", False)
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = replica_database(env_str("DATABASE_REPLICA_URL"))
    DATABASE_ROUTERS = ["customers.core.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation; every time is stored and shown in UTC. The dashboard speaks
# English and Korean; the customer portal more (customers.core.locales.PORTAL_LANGUAGES).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files: never served as static files (a view checks the business).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)  # needs `collectstatic` first
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool(
    "WHITENOISE_USE_FINDERS", not env_bool("STATIC_MANIFEST", not DEBUG)
)
WHITENOISE_MANIFEST_STRICT = False

# E-mail: the console in development, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Customer Hub <no-reply@localhost>")
# The worker tries an e-mail this many more times (backing off) before it is `failed`.
EMAIL_MAX_RETRIES = env_int("EMAIL_MAX_RETRIES", 6)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # filebased backend

# Security. Secure by default; a TLS-terminating proxy must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline scripts or styles, no eval. HTMX is told not to
# inject its indicator styles and not to eval (see templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "portal.logging.RedactPortalTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Request lines carry paths; portal token paths are redacted before any handler.
        "django.server": {
            "filters": ["redact_tokens"],
            "handlers": ["console"],
            "propagate": False,
        },
        "django.request": {"filters": ["redact_tokens"]},
    },
}

DJANGO_TABLES2_TEMPLATE = "customers/_table.html"

# Product rules.
CUSTOMER_LIST_COUNT_CAP = env_int("CUSTOMER_LIST_COUNT_CAP", 10_000)
# Exports (README): more matches than this become a job; its file is kept EXPORT_RETENTION_DAYS
# in the STORAGES alias EXPORT_STORAGE ("default": under MEDIA_ROOT), then deleted.
EXPORT_JOB_THRESHOLD = env_int("EXPORT_JOB_THRESHOLD", 20_000)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7)
EXPORT_STORAGE = env_str("EXPORT_STORAGE", "default")
# An export job that fails is tried again this many times (with backoff), then failed.
EXPORT_MAX_RETRIES = env_int("EXPORT_MAX_RETRIES", 3)
BULK_BATCH_SIZE = env_int("BULK_BATCH_SIZE", 500)  # customers per transaction of a bulk job
CUSTOMER_IMPORT_MAX_BYTES = env_int("CUSTOMER_IMPORT_MAX_BYTES", 50_000_000)  # a CSV import
WALLET_CURRENCIES = env_list("WALLET_CURRENCIES", ["USD", "INR"])
# Days after a payment during which it can be refunded (Dodo: 30).
REFUND_WINDOW_DAYS = env_int("REFUND_WINDOW_DAYS", 30)
# Where renewals are charged and refunds sent; the built-in one records them without
# contacting any processor (customers/gateway.py).
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "customers.billing.gateway.BuiltinGateway")

# The JSON API (/api, README "API").
# Keys are HMAC-SHA256'd with this; empty = from SECRET_KEY (rotating it voids every key).
API_KEY_HMAC_SECRET = env_str("API_KEY_HMAC_SECRET")
# Per-key rate limit (a sliding window): API_RATE_LIMIT requests per API_RATE_WINDOW seconds.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 240)
API_RATE_WINDOW = env_int("API_RATE_WINDOW", 60)
# Lists never skip more than this many rows (OFFSET); deeper pages come back empty.
API_OFFSET_CAP = env_int("API_OFFSET_CAP", 10_000)
# `total_balance_usd`: micro-dollars (USD / 1,000,000) per one whole unit of each wallet
# currency, e.g. "INR=12000" for 1 INR = 0.012 USD. Integers, never floats.
USD_PER_CURRENCY = {
    "USD": 1_000_000,
    **{
        code.upper(): int(rate)
        for code, _sep, rate in (
            item.partition("=") for item in env_list("USD_PER_CURRENCY", ["INR=12000"])
        )
    },
}

# The background engine (config/celery.py, README "The worker"). Redis in production; with no
# broker, Kombu's filesystem transport under var/, so `make run` needs no server.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # A task unacknowledged for this long is handed to another worker; longer than
    # the longest countdown we schedule on the broker, so none runs twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 3600}
# Unit tests run tasks in-process (pytest env); the integration tests start a worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Eager (tests): a task that fails for good ends failed as on a worker, not raising.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# The first retry of a failed task waits this long, then twice as long each time.
TASK_RETRY_BASE_SECONDS = env_int("TASK_RETRY_BASE_SECONDS", 10)
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker is run again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Only failures are kept: a TaskResult row, in admin under "Celery Results".
CELERY_RESULT_BACKEND = "django-db"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_RESULT_EXTENDED = True
CELERY_IMPORTS = (  # every module that defines tasks (a worker imports them at start)
    "customers.emails.tasks",
    "customers.billing.tasks",
    "customers.reports.tasks",
    "customers.bulk.tasks",
    "customers.imports.tasks",
    "portal.tasks",
    "customers.webhooks.tasks",
    "wallets.credits.tasks",
)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
RENEWALS_EVERY, _REPORTS = env_int("RENEWALS_EVERY_SECONDS", 15 * 60), "customers.reports.tasks"
WEBHOOK_SWEEP = env_int("WEBHOOK_SWEEP_SECONDS", 30)
# Beat: (name, task, every so many seconds). Every periodic task is safe twice.
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": seconds}
    for name, task, seconds in [
        ("renewals", "customers.billing.tasks.subscriptions_bill_due_task", RENEWALS_EVERY),
        ("renewal-reminders", "customers.billing.tasks.reminders_send_task", 3600),
        ("emails-requeue-stale", "customers.emails.tasks.emails_requeue_stale_task", 300),
        ("webhooks-sweep", "customers.webhooks.tasks.webhooks_sweep_task", WEBHOOK_SWEEP),
        ("export-jobs-expire", f"{_REPORTS}.export_jobs_expire_task", 3600),
        ("export-jobs-requeue-stale", f"{_REPORTS}.export_jobs_requeue_stale_task", 300),
        ("dunning-retries", "billing.dunning_retries_run", 15 * 60),
        ("gateway-reconcile", "billing.gateway_attempts_reconcile", 5 * 60),
        ("credits-expire", "wallets.credits.tasks.credits_expire_task", 300),
        ("credits-remind", "wallets.credits.tasks.credits_remind_task", 3600),
    ]
}


# ---------------------------------------------------------------------------------------
# Shared cache, rate limits, client IPs and merchant sessions (README, Security).
# Kept together in this block on purpose.

# REDIS_URL (above) set: Django's Redis cache, shared by every worker (rate limits live
# there). Unset (`make run`): local memory, counted per process; `check --deploy` warns.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "hub")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A stopped Redis fails fast instead of holding requests (limits fail open).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the header
# is ignored and REMOTE_ADDR is the client (customers.core.ratelimit.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)


def _rate_rules(name: str, default: str) -> list[tuple[int, int]]:
    """Parse "100/60,20/1" into [(100, 60), (20, 1)]: requests per seconds."""
    rules = []
    for item in env_list(name, default.split(",")):
        count, _sep, window = item.partition("/")
        try:
            rules.append((int(count), int(window)))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must look like 100/60,20/1, not {item!r}") from exc
    return rules


# Key-less API endpoints (/api/licenses/*, /api/invoices/*): per client IP, as Dodo.
PUBLIC_API_RATE_LIMITS = _rate_rules("PUBLIC_API_RATE_LIMITS", "100/60,20/1")
# Merchant and admin sign-in: failed attempts per account and per IP in a window.
LOGIN_ATTEMPTS_PER_ACCOUNT = env_int("LOGIN_ATTEMPTS_PER_ACCOUNT", 5)
LOGIN_ATTEMPTS_PER_IP = env_int("LOGIN_ATTEMPTS_PER_IP", 20)
LOGIN_ATTEMPTS_WINDOW = env_int("LOGIN_ATTEMPTS_WINDOW", 15 * 60)

# Merchant sessions end after this many seconds without a request, and in any case
# SESSION_COOKIE_AGE seconds after sign-in.
MERCHANT_SESSION_IDLE_TIMEOUT = env_int("MERCHANT_SESSION_IDLE_TIMEOUT", 2 * 3600)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# Every answer without its own Cache-Control gets `private, no-store` (right after
# whitenoise, whose static files keep theirs); merchant sessions end when idle.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "config.middleware.PrivateNoStoreMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "customers.accounts.middleware.MerchantSessionTimeoutMiddleware",
)

# Webhooks (README "Webhooks"). Seconds between tries after the first, immediate one:
# Dodo's schedule, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 tries in all).
_DODO_RETRIES = ["5", "300", "1800", "7200", "18000", "36000", "36000"]
WEBHOOK_RETRY_DELAYS = [int(s) for s in env_list("WEBHOOK_RETRY_DELAYS", _DODO_RETRIES)]
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 15)
# Retries due within this many seconds wait on the broker; later ones, for the sweep.
WEBHOOK_COUNTDOWN_MAX_SECONDS = env_int("WEBHOOK_COUNTDOWN_MAX_SECONDS", 60)
# Deliveries to loopback, private, link-local and reserved addresses: only in DEBUG.
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", DEBUG)
