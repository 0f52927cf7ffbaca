"""How work reaches the worker: after the commit, with retries that back off.

`enqueue_on_commit(task, *args)` sends a task only once the current transaction has
committed (at once outside one), so the worker never looks for rows that are not
there yet, and a rolled-back change enqueues nothing. `backoff(retries)` is the
delay before a retry: 10 s, 20 s, 40 s … (`TASK_RETRY_BASE_SECONDS`) capped at
30 minutes.
"""

from django.conf import settings
from django.db import transaction

RETRY_MAX_SECONDS = 30 * 60


def enqueue_on_commit(task, *args, **kwargs) -> None:
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


def backoff(retries: int) -> int:
    return min(settings.TASK_RETRY_BASE_SECONDS * 2**retries, RETRY_MAX_SECONDS)
