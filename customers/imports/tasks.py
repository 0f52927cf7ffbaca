"""Customer import tasks: thin, idempotent (a run claims the job), retried with backoff."""

from celery import shared_task
from django.conf import settings

from customers.core.tasks import backoff
from customers.imports.runner import (
    ImportLost,
    customer_import_check_run,
    customer_import_give_up,
    customer_import_run,
)


def _attempt(task, run, job_id: str) -> None:
    try:
        run(job_id=job_id)
    except ImportLost:
        return  # another run owns the job now
    except Exception as exc:
        if task.request.retries >= settings.EXPORT_MAX_RETRIES:
            customer_import_give_up(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc


@shared_task(bind=True, max_retries=None, acks_late=True)
def customer_import_check_task(self, job_id: str) -> None:
    """The dry run of one import."""
    _attempt(self, customer_import_check_run, job_id)


@shared_task(bind=True, max_retries=None, acks_late=True)
def customer_import_run_task(self, job_id: str) -> None:
    """The import itself."""
    _attempt(self, customer_import_run, job_id)
