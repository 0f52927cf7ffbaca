"""bench_export --job: the export measured the way the worker runs it, job and file
cleaned up afterwards (PostgreSQL: the floor is COPY)."""

import io

import pytest
from django.core.management import call_command

from customers.models import ExportJob
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bench_export_runs_an_export_job(business, settings, tmp_path, fmt):
    settings.MEDIA_ROOT = tmp_path
    CustomerFactory.create_batch(12, business=business)
    out = io.StringIO()
    call_command(
        "bench_export", business=business.name, customers=0, format=fmt, job=True, stdout=out
    )
    report = out.getvalue()
    assert "as an export job" in report and f"export ({fmt} job)" in report
    assert "rows                            12" in report and "speed vs floor" in report
    assert not ExportJob.objects.exists() and not list(tmp_path.rglob(f"*.{fmt}"))
