"""Bulk job tasks: thin, safe twice (batches move a cursor under a row lock), retried."""

from celery import shared_task
from django.conf import settings

from customers.bulk.runner import bulk_job_give_up, bulk_job_run
from customers.core.tasks import backoff


@shared_task(bind=True, max_retries=None, acks_late=True)
def bulk_job_run_task(self, job_id: str) -> None:
    """Run one bulk job to the end; a failure retries from the last committed batch
    (`EXPORT_MAX_RETRIES` times), then the job is left `failed` with the error."""
    try:
        bulk_job_run(job_id=job_id)
    except Exception as exc:
        if self.request.retries >= settings.EXPORT_MAX_RETRIES:
            bulk_job_give_up(job_id=job_id, error=str(exc) or exc.__class__.__name__)
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
