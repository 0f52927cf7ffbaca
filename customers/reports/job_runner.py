"""The worker's side of export jobs: claim a job, write its file, record the outcome.

A run claims the job with a conditional UPDATE (queued, or running with no sign of
life for `STALE_AFTER`: its worker died) and a fresh claim token; every progress
update and the final one are conditional on that token, so when another run takes
the job over the first one stops at its next chunk (`JobLost`), and two workers
never write the same job. Each run writes a file of its own name, so re-running a
job restarts its file from nothing and only the run that finishes keeps one.
"""

import datetime as dt
import os
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.emails.services import email_queue
from customers.models import EmailLog, ExportJob
from customers.reports import exports
from customers.reports.query import parse_report_request, report_rows

# A running job whose heartbeat (updated_at) is older than this is taken over.
STALE_AFTER = dt.timedelta(minutes=10)
# A queued job untouched for this long lost its task (longer than the longest backoff).
QUEUED_STALE_AFTER = dt.timedelta(hours=1)
# A worksheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575


class JobLost(Exception):
    """Another run took this job over (or it ended meanwhile): stop writing."""


class ExportTooLarge(Exception):
    """The file cannot hold this export; trying again will not help."""


def export_storage():
    """The storage export files live in (`EXPORT_STORAGE`, an alias of STORAGES)."""
    return storages[settings.EXPORT_STORAGE]


def job_url(job: ExportJob) -> str:
    return settings.PUBLIC_BASE_URL + reverse("customers:export_job", args=[job.pk])


def ready_email_queue(job: ExportJob, to: str) -> EmailLog:
    """The "your export is ready" e-mail, in the requester's language."""
    with translation.override(job.language):
        subject = _("Your customer export is ready")
        body = _(
            "Your export of %(rows)s customers (%(format)s) is ready to download:\n\n"
            "%(url)s\n\n"
            "Sign in as a member of %(business)s to download it. The file is deleted "
            "on %(expires)s (UTC)."
        ) % {
            "rows": f"{job.rows_written:,}",
            "format": job.get_format_display(),
            "url": job_url(job),
            "business": job.business.name,
            "expires": job.expires_at.strftime("%Y-%m-%d %H:%M") if job.expires_at else "",
        }
    return email_queue(
        business=job.business,
        to=to,
        subject=subject,
        body=body,
        category=EmailLog.Category.EXPORTS,
        email_type="export_ready",
    )


def _claim(job_id: str, now: dt.datetime) -> str | None:
    token = uuid.uuid4().hex
    claimable = Q(status=ExportJob.Status.QUEUED) | Q(
        status=ExportJob.Status.RUNNING, updated_at__lt=now - STALE_AFTER
    )
    claimed = (
        # One statement: PostgreSQL re-checks the condition on the locked row, so of
        # two runs racing for the job exactly one updates it.
        ExportJob.objects.filter(claimable, pk=job_id).update(
            status=ExportJob.Status.RUNNING,
            claim=token,
            attempts=F("attempts") + 1,
            rows_written=0,
            started_at=now,
            updated_at=now,
        )
    )
    return token if claimed else None


def _write(job: ExportJob, progress, directory: str) -> tuple[str, int]:
    """Write the file locally; returns its path and the number of rows."""
    report = parse_report_request(QueryDict(job.query), business=job.business, default_columns=[])
    rows = report_rows(report, times_as_text=job.format == ExportJob.Format.CSV)
    estimated = report.customers.queryset.order_by().count()
    if job.format == ExportJob.Format.XLSX and estimated > XLSX_MAX_ROWS:
        with translation.override(job.language):
            raise ExportTooLarge(
                _(
                    "An Excel sheet holds at most %(max)s rows and this export has %(rows)s: "
                    "export CSV instead, or filter the list."
                )
                % {"max": f"{XLSX_MAX_ROWS:,}", "rows": f"{estimated:,}"}
            )
    progress(0, estimated=estimated)
    path = str(Path(directory) / f"{job.pk}.{job.format}")
    if job.format == ExportJob.Format.CSV:
        written = [0]

        def counted(n):
            written[0] = n
            progress(n)

        with open(path, "w", encoding="utf-8", newline="") as out:
            for chunk in exports.csv_chunks(rows, progress=counted):
                out.write(chunk)
        return path, written[0]
    with translation.override(job.language):  # the XLSX headers
        count = exports.write_xlsx_file(rows, path, progress=progress)
    return path, count


def export_job_run(*, job_id: str) -> bool:
    """Write one job's file; False if it is not this run's to write (done, or running
    elsewhere). Any error puts the job back in the queue for the task's retry."""
    token = _claim(job_id, timezone.now())
    if token is None:
        return False
    owned = ExportJob.objects.filter(pk=job_id, claim=token, status=ExportJob.Status.RUNNING)
    job = ExportJob.objects.select_related("business").get(pk=job_id)
    storage, saved = export_storage(), ""

    def progress(rows: int, estimated: int | None = None) -> None:
        fields = {"rows_written": rows, "updated_at": timezone.now()}
        if estimated is not None:
            fields["estimated_rows"] = estimated
        if not owned.update(**fields):
            raise JobLost(job_id)

    try:
        with tempfile.TemporaryDirectory(prefix="hub-export-") as directory:
            path, rows = _write(job, progress, directory)
            name = f"exports/{job.business_id}/{job.pk}-{token[:8]}.{job.format}"
            with open(path, "rb") as handle:
                saved = storage.save(name, File(handle))
            size = os.path.getsize(path)
        now = timezone.now()
        with transaction.atomic():
            done = owned.update(
                status=ExportJob.Status.SUCCEEDED,
                file=saved,
                file_size=size,
                rows_written=rows,
                estimated_rows=rows,
                error="",
                finished_at=now,
                updated_at=now,
                expires_at=now + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS),
            )
            if not done:
                raise JobLost(job_id)
            if job.file and job.file != saved:
                previous = job.file
                transaction.on_commit(lambda: storage.delete(previous))
            job.refresh_from_db()
            if job.notify_to:
                ready_email_queue(job, job.notify_to)
    except JobLost:
        if saved:
            storage.delete(saved)
        raise
    except ExportTooLarge as exc:
        now = timezone.now()
        owned.update(
            status=ExportJob.Status.FAILED, error=str(exc)[:500], finished_at=now, updated_at=now
        )
        return False
    except Exception as exc:
        if saved:
            storage.delete(saved)
        owned.update(
            status=ExportJob.Status.QUEUED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            updated_at=timezone.now(),
        )
        raise
    return True


def export_job_give_up(*, job_id: str) -> None:
    """The last attempt failed: the job stays `failed`, with the last error."""
    now = timezone.now()
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.FAILED, finished_at=now, updated_at=now
    )


def export_jobs_stale(*, now: dt.datetime) -> list[str]:
    """Jobs whose task was lost: running with no heartbeat (the worker died), or queued
    for longer than any retry waits. Running them again is safe: a run claims first."""
    stale = Q(status=ExportJob.Status.RUNNING, updated_at__lt=now - STALE_AFTER) | Q(
        status=ExportJob.Status.QUEUED, updated_at__lt=now - QUEUED_STALE_AFTER
    )
    return list(ExportJob.objects.filter(stale).values_list("pk", flat=True)[:100])


def export_jobs_expire(*, now: dt.datetime, limit: int = 500) -> int:
    """Delete the files of jobs past their retention and mark the jobs expired.

    The row says expired first (conditionally, so two runs never both do it), then
    the file goes: a download never finds a ready job without its file.
    """
    due = ExportJob.objects.filter(status=ExportJob.Status.SUCCEEDED, expires_at__lte=now)
    storage, expired = export_storage(), 0
    for pk, name in due.order_by("expires_at").values_list("pk", "file")[:limit]:
        if ExportJob.objects.filter(pk=pk, status=ExportJob.Status.SUCCEEDED).update(
            status=ExportJob.Status.EXPIRED, updated_at=now
        ):
            if name:
                storage.delete(name)
            expired += 1
    return expired
