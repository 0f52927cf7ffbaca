"""Export jobs through a real worker on Redis (PostgreSQL; see tests/worker.py): the
Export action queues the job, a worker process writes the file, the page downloads it."""

import io

import openpyxl
import pytest

from customers.models import ExportJob
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
