"""Export jobs, the dashboard's side: create one, ask for its e-mail, open its file.

`export_job_create` records the job and the `customers.exported` Event in one
transaction and enqueues the worker's run once it commits. The worker's side is
`customers.reports.job_runner`.
"""

from django.db import transaction
from django.utils.translation import get_language

from customers.audit import Actor, event_record
from customers.core.tasks import enqueue_on_commit
from customers.models import Business, ExportJob
from customers.reports.job_runner import export_storage, ready_email_queue
from customers.reports.tasks import export_job_run_task

RECENT_JOBS = 20


def export_job_create(
    *, business: Business, user, fmt: str, query: str, payload: dict
) -> ExportJob:
    """Queue an export of what `query` (the export URL's query string) selects."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            business=business,
            requested_by=user,
            format=fmt,
            query=query,
            language=get_language() or "en",
        )
        event_record(
            business,
            type="customers.exported",
            actor=Actor.user(user),
            payload={"format": fmt, **payload, "job_id": job.pk},
        )
        enqueue_on_commit(export_job_run_task, job.pk)
    return job


def export_job_notify(*, job: ExportJob, to: str) -> ExportJob:
    """E-mail `to` the link when the job is ready (at once if it already is)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("business").get(pk=job.pk)
        if job.status == ExportJob.Status.SUCCEEDED:
            ready_email_queue(job, to)
        elif job.is_active:
            job.notify_to = to
            job.save(update_fields=["notify_to", "updated_at"])
    return job


def recent_jobs(business: Business):
    return (
        ExportJob.objects.for_business(business)
        .select_related("requested_by")
        .order_by("-created_at")[:RECENT_JOBS]
    )


def export_file_open(job: ExportJob):
    """The ready job's file, open for reading; FileNotFoundError if it is gone."""
    return export_storage().open(job.file, "rb")
