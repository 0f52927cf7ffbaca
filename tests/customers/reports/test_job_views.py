"""Export job pages: progress polled by HTMX, the download, the recent jobs list, and
who may see them (members of the business, viewers too; another business: 404)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import ExportJob
from customers.reports import job_runner
from tests.customers.reports.helpers import CSV

pytestmark = pytest.mark.django_db


def make_job(business, **fields):
    return ExportJob.objects.create(business=business, format="csv", query="columns=name", **fields)


def page(job):
    return reverse("customers:export_job", args=[job.pk])


def download_url(job):
    return reverse("customers:export_job_download", args=[job.pk])


def ready_job(business, export_jobs):
    job = make_job(business)
    job_runner.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.SUCCEEDED
    return job


def test_progress_fragment_polls_while_running_then_offers_the_download(
    owner_client, business, export_jobs
):
    job = make_job(business, status="running", rows_written=12_500, estimated_rows=25_000)
    fragment = owner_client.get(page(job), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="export-progress"')
    assert 'hx-trigger="every 2s"' in fragment and f'hx-get="{page(job)}"' in fragment
    assert "12,500 of 25,000 rows written (50%)" in fragment
    assert '<progress class="export-bar" value="50" max="100"' in fragment
    assert download_url(job) not in fragment

    full = owner_client.get(page(job)).content.decode()
    assert "<html" in full and "E-mail me the link when it is ready" in full
    assert "<script>" not in full and ' style="' not in full  # strict CSP

    job.delete()
    job = ready_job(business, export_jobs)
    fragment = owner_client.get(page(job), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment  # done: the polling stops
    assert download_url(job) in fragment and "The file is kept until" in fragment


def test_download_is_for_members_of_the_business_only(
    client, owner_client, viewer_client, business, other_business, export_jobs
):
    job = ready_job(business, export_jobs)
    response = viewer_client.get(download_url(job))  # viewers export, so they download
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith("\ufeffname".encode())

    theirs = ready_job(other_business, export_jobs)
    for url in (page(theirs), download_url(theirs)):
        assert owner_client.get(url).status_code == 404
    assert (
        owner_client.post(reverse("customers:export_job_email", args=[theirs.pk])).status_code
        == 404
    )

    client.logout()
    for url in (page(job), download_url(job), reverse("customers:export_jobs")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_job_without_a_file_has_no_download(owner_client, business, export_jobs):
    for status in ("queued", "running", "failed", "expired"):
        job = make_job(business, status=status)
        assert owner_client.get(download_url(job)).status_code == 404


def test_a_viewer_can_export_a_large_list(
    viewer_client, shop, export_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.get(CSV, {"columns": "name"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == page(job)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.SUCCEEDED
    assert viewer_client.get(download_url(job)).status_code == 200


def test_recent_exports_lists_this_business_only(
    owner_client, business, other_business, export_jobs
):
    mine = make_job(business, status="failed", finished_at=timezone.now())
    theirs = make_job(other_business)
    html = owner_client.get(reverse("customers:export_jobs")).content.decode()
    assert page(mine) in html and page(theirs) not in html
    assert "Exports of more than 3 customers are written in the background" in html
    menu = owner_client.get(reverse("customers:list")).content.decode()
    assert reverse("customers:export_jobs") in menu
    assert f'href="{CSV}" download' not in menu  # a job's page must open as a page


def test_job_pages_in_korean(owner_client, business, export_jobs):
    job = ready_job(business, export_jobs)
    owner_client.post(reverse("set_language"), {"language": "ko", "next": "/customers/"})
    html = owner_client.get(page(job)).content.decode()
    assert "고객 내보내기" in html and "다운로드" in html and "준비됨" in html
    assert "최근 내보내기" in owner_client.get(reverse("customers:export_jobs")).content.decode()
