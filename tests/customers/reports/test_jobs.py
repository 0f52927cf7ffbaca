"""Export jobs, run eagerly: above the threshold the Export action queues a job that
the worker writes; retries end failed, re-runs restart the file, two runs never write
one job, files expire, the e-mail with the link."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.models import EmailLog, Event, ExportJob
from customers.reports import exports, job_runner
from customers.reports.jobs import export_job_notify
from customers.reports.tasks import (
    export_job_run_task,
    export_jobs_expire_task,
    export_jobs_requeue_stale_task,
)
from tests.customers.reports.helpers import CSV, REPORT, XLSX, read_csv

pytestmark = pytest.mark.django_db

COLUMNS = "name,email,total_paid_usd"


def export(client, url, capture, params=None):
    with capture(execute=True):
        response = client.get(url, params or {"columns": COLUMNS, "sort": "name"})
    assert response.status_code == 302, response.content[:300]
    job = ExportJob.objects.get()
    assert response.url == reverse("customers:export_job", args=[job.pk])
    job.refresh_from_db()
    return job


def download(client, job):
    response = client.get(reverse("customers:export_job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_large_csv_export_is_a_job_with_the_same_file(
    owner_client, owner, shop, export_jobs, settings, django_capture_on_commit_callbacks
):
    job = export(owner_client, CSV, django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.SUCCEEDED
    assert (job.rows_written, job.estimated_rows, job.attempts) == (5, 5, 1)
    assert job.requested_by == owner and job.file.startswith(f"exports/{job.business_id}/")
    assert job.expires_at - job.finished_at == dt.timedelta(days=7)
    event = Event.objects.get(type="customers.exported")
    assert event.payload["job_id"] == job.pk and event.payload["format"] == "csv"
    body = download(owner_client, job)
    settings.EXPORT_JOB_THRESHOLD = 20_000  # the same export, streamed
    streamed = b"".join(
        owner_client.get(CSV, {"columns": COLUMNS, "sort": "name"}).streaming_content
    )
    assert body == streamed and body.count(b"\r\n") == 6


def test_a_small_export_still_streams(owner_client, shop, export_jobs, settings):
    settings.EXPORT_JOB_THRESHOLD = 5  # exactly 5 match: not above it
    assert len(read_csv(owner_client.get(CSV, {"columns": COLUMNS}))) == 5
    assert not ExportJob.objects.exists()


def test_an_xlsx_job_has_headers_in_the_requesters_language(
    owner_client, shop, export_jobs, django_capture_on_commit_callbacks
):
    owner_client.post(reverse("set_language"), {"language": "ko", "next": REPORT})
    job = export(owner_client, XLSX, django_capture_on_commit_callbacks)
    assert job.language == "ko" and job.status == ExportJob.Status.SUCCEEDED
    sheet = openpyxl.load_workbook(io.BytesIO(download(owner_client, job))).active
    assert [c.value for c in sheet[1]] == ["고객 이름", "이메일", "총 결제 금액 (USD)"]
    assert sheet.max_row == 6 and sheet.freeze_panes == "A2"


def test_a_failing_job_retries_then_ends_failed_with_its_message(
    owner_client, shop, export_jobs, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "csv_chunks", broken)
    job = export(owner_client, CSV, django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED
    assert job.attempts == 3  # the first try, then EXPORT_MAX_RETRIES retries
    assert job.error == "OSError: disk full" and not job.file
    page = owner_client.get(reverse("customers:export_job", args=[job.pk])).content.decode()
    assert "The export failed after 3 attempts." in page and "disk full" in page
    assert f'href="{CSV}?' in page  # "Export again"


def test_rerunning_a_job_restarts_its_file_and_a_live_run_is_never_joined(
    business, owner, shop, export_jobs, django_capture_on_commit_callbacks
):
    job = ExportJob.objects.create(
        business=business, requested_by=owner, format="csv", query=f"columns={COLUMNS}"
    )
    assert job_runner.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    first = job.file
    assert not job_runner.export_job_run(job_id=job.pk)  # done: nothing to do
    # Running, and alive: another worker may not take it.
    ExportJob.objects.filter(pk=job.pk).update(status="running", rows_written=3)
    assert not job_runner.export_job_run(job_id=job.pk)
    # Running, but silent for longer than STALE_AFTER (its worker died): re-run afresh.
    old = timezone.now() - job_runner.STALE_AFTER - dt.timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(updated_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_runner.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.rows_written == 5 and job.attempts == 2
    storage = job_runner.export_storage()
    assert job.file != first and storage.exists(job.file)
    assert not storage.exists(first)  # the earlier run's file is gone


def test_a_run_that_lost_its_claim_stops_writing(business, owner, shop, export_jobs, monkeypatch):
    job = ExportJob.objects.create(
        business=business, requested_by=owner, format="csv", query=f"columns={COLUMNS}"
    )
    real = exports.csv_chunks

    def taken_over(rows, **kwargs):
        ExportJob.objects.filter(pk=job.pk).update(claim="another-run")
        yield from real(rows, **kwargs)

    monkeypatch.setattr(exports, "csv_chunks", taken_over)
    export_job_run_task.delay(job.pk)
    job.refresh_from_db()
    assert job.claim == "another-run" and job.status == "running" and not job.file
    assert not list(export_jobs.rglob("*.csv"))


def test_expired_files_are_deleted_and_jobs_marked_expired(
    owner_client, shop, export_jobs, django_capture_on_commit_callbacks
):
    job = export(owner_client, CSV, django_capture_on_commit_callbacks)
    storage = job_runner.export_storage()
    assert storage.exists(job.file)
    assert export_jobs_expire_task.delay(job.expires_at.isoformat()).get() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not storage.exists(job.file)
    url = reverse("customers:export_job_download", args=[job.pk])
    assert owner_client.get(url).status_code == 404
    page = owner_client.get(reverse("customers:export_job", args=[job.pk])).content.decode()
    assert "deleted after its retention period" in page
    assert export_jobs_expire_task.delay(job.expires_at.isoformat()).get() == 0


def test_the_requester_gets_the_link_by_email(
    owner_client, owner, shop, export_jobs, django_capture_on_commit_callbacks
):
    job = ExportJob.objects.create(
        business=shop[0].business, requested_by=owner, format="csv", query=f"columns={COLUMNS}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("customers:export_job_email", args=[job.pk]))
    job.refresh_from_db()
    assert job.notify_to == owner.email and not EmailLog.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        export_job_run_task.delay(job.pk)
    email = EmailLog.objects.get()
    assert email.category == "exports" and email.recipient == owner.email
    assert email.status == EmailLog.Status.SENT
    assert f"/customers/exports/{job.pk}/" in mail.outbox[0].body
    # Asked again once it is ready: the link comes at once.
    with django_capture_on_commit_callbacks(execute=True):
        export_job_notify(job=job, to="someone@example.com")
    assert EmailLog.objects.filter(recipient="someone@example.com").count() == 1


def test_an_xlsx_too_large_for_a_sheet_fails_at_once_with_advice(
    business, owner, shop, export_jobs, monkeypatch
):
    monkeypatch.setattr(job_runner, "XLSX_MAX_ROWS", 4)
    job = ExportJob.objects.create(
        business=business, requested_by=owner, format="xlsx", query=f"columns={COLUMNS}"
    )
    export_job_run_task.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.attempts == 1 and not job.file
    assert job.error.startswith("An Excel sheet holds at most 4 rows and this export has 5")


def test_beat_runs_again_the_jobs_whose_worker_died(business, owner, shop, export_jobs):
    now = timezone.now()
    ages = [
        ("running", dt.timedelta(minutes=11)),  # its worker died mid-file
        ("running", dt.timedelta(minutes=1)),  # alive
        ("queued", dt.timedelta(hours=2)),  # its task was lost
        ("queued", dt.timedelta(minutes=5)),  # waiting for a retry
    ]
    jobs = []
    for status, age in ages:
        job = ExportJob.objects.create(
            business=business, requested_by=owner, format="csv", query=f"columns={COLUMNS}"
        )
        ExportJob.objects.filter(pk=job.pk).update(status=status, updated_at=now - age)
        jobs.append(job)
    assert export_jobs_requeue_stale_task.delay(now.isoformat()).get() == 2
    statuses = [ExportJob.objects.get(pk=job.pk).status for job in jobs]
    assert statuses == ["succeeded", "running", "succeeded", "queued"]
