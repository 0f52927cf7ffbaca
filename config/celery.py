"""The Celery app: the background engine (README, "The worker").

One command starts the worker and its scheduler:

    celery -A config worker --beat --loglevel info

Settings come from Django's settings under the `CELERY_` prefix (config/settings.py):
Redis in production (`CELERY_BROKER_URL`, else `REDIS_URL`); with neither set, a broker
on local files that needs no server (`make run`). Periodic work is declared in
`CELERY_BEAT_SCHEDULE`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("customerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")

for _folder in (app.conf.broker_transport_options or {}).values():
    if isinstance(_folder, str) and _folder.startswith("/"):
        os.makedirs(_folder, exist_ok=True)  # the filesystem broker's queues
