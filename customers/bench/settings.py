"""Settings for the server `bench_api` starts: the real ones plus the floor's URLs.

Only this module routes to the floor views; the product's URLconf never does.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "customers.bench.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False
# The app's own time of every response, for `loadtest --gap` (customers.bench.gap).
MIDDLEWARE = ["customers.bench.gap.ServerTiming", *MIDDLEWARE]  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}  # keep the console quiet
