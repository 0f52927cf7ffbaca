"""Export job tasks: thin, idempotent (a run claims the job), retried with backoff."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from customers.core.tasks import backoff
from customers.reports.job_runner import (
    JobLost,
    export_job_give_up,
    export_job_run,
    export_jobs_expire,
    export_jobs_stale,
)


@shared_task(bind=True, max_retries=None, acks_late=True)
def export_job_run_task(self, job_id: str) -> None:
    """Write one export job's file; retried with backoff (`EXPORT_MAX_RETRIES` times),
    then the job is left `failed` with its last error and the task recorded as failed."""
    try:
        export_job_run(job_id=job_id)
    except JobLost:
        return  # another run owns the job now
    except Exception as exc:
        if self.request.retries >= settings.EXPORT_MAX_RETRIES:
            export_job_give_up(job_id=job_id)
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


@shared_task
def export_jobs_expire_task(now: str | None = None) -> int:
    """Beat: delete the files of jobs past their retention, mark the jobs expired."""
    return export_jobs_expire(now=dt.datetime.fromisoformat(now) if now else timezone.now())


@shared_task
def export_jobs_requeue_stale_task(now: str | None = None) -> int:
    """Beat: run again the jobs whose task was lost (see `export_jobs_stale`)."""
    ids = export_jobs_stale(now=dt.datetime.fromisoformat(now) if now else timezone.now())
    for pk in ids:
        export_job_run_task.delay(pk)
    return len(ids)
