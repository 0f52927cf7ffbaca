"""Export jobs through a real worker on Redis (PostgreSQL; see tests/worker.py): the
Export action queues the job, a worker process writes the file, the page downloads it;
and the progress a run records is committed while it writes (others see it)."""

import io

import openpyxl
import pytest
from django.db import connections

from customers.models import ExportJob
from customers.reports import exports, job_runner
from tests.customers.reports.helpers import CSV, XLSX, read_csv
from tests.factories import CustomerFactory
from tests.worker import wait_for, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_writes_a_large_export_and_the_member_downloads_it(
    owner_client, business, settings, tmp_path
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.EXPORT_JOB_THRESHOLD = 10
    customers = CustomerFactory.create_batch(25, business=business)
    with worker_process(tmp_path, MEDIA_ROOT=str(media)):
        jobs = {}
        for url in (CSV, XLSX):
            response = owner_client.get(url, {"columns": "id,name,created_at"})
            assert response.status_code == 302
            jobs[url] = ExportJob.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])

        def finished():
            done = ExportJob.objects.filter(pk__in=[j.pk for j in jobs.values()])
            return all(j.status == ExportJob.Status.SUCCEEDED for j in done)

        wait_for(finished, timeout=60, what="both export jobs to finish")

    csv_job = ExportJob.objects.get(pk=jobs[CSV].pk)
    assert csv_job.rows_written == csv_job.estimated_rows == 25
    rows = read_csv(owner_client.get(f"/customers/exports/{csv_job.pk}/download/"))
    assert {r["id"] for r in rows} == {c.pk for c in customers}

    response = owner_client.get(f"/customers/exports/{jobs[XLSX].pk}/download/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["Customer ID", "Customer name", "Created at (UTC)"]
    assert sheet.max_row == 26


def test_progress_is_seen_by_other_connections_while_the_file_is_written(
    business, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_EXPORT_CHUNK_SIZE = 2
    CustomerFactory.create_batch(7, business=business)
    job = ExportJob.objects.create(business=business, format="csv", query="columns=id")
    seen = []
    real = exports.csv_chunks

    def watched(rows, **kwargs):
        other = connections.create_connection("default")  # as the job's page would read
        try:
            for chunk in real(rows, **kwargs):
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT status, rows_written, estimated_rows FROM customers_exportjob "
                        "WHERE id = %s",
                        [job.pk],
                    )
                    seen.append(cursor.fetchone())
                yield chunk
        finally:
            other.close()

    monkeypatch.setattr(exports, "csv_chunks", watched)
    assert job_runner.export_job_run(job_id=job.pk)
    assert ("running", 4, 7) in seen and ("running", 6, 7) in seen
