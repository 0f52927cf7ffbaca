"""Export jobs in the dashboard: the business's recent jobs, one job's progress
(polled by HTMX while it runs), its download, and "e-mail me the link".

Every member of the business (viewers too, as for exports) sees the business's jobs
and downloads their files; another business's job is a 404, and a visitor who is
not signed in goes to the login page.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required
from customers.core.htmx import render_page
from customers.models import ExportJob
from customers.reports.jobs import export_file_open, export_job_notify, recent_jobs

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _job(request, job_id: str) -> ExportJob:
    return get_object_or_404(
        ExportJob.objects.for_business(request.business).select_related("requested_by"),
        pk=job_id,
    )


@business_required
def export_jobs(request):
    """The business's recent export jobs, newest first."""
    context = {
        "jobs": recent_jobs(request.business),
        "threshold": settings.EXPORT_JOB_THRESHOLD,
        "days": settings.EXPORT_RETENTION_DAYS,
    }
    return render(request, "customers/export_jobs.html", context)


@business_required
def export_job(request, job_id: str):
    """One job: progress while it runs (HTMX polls the fragment), then the download."""
    job = _job(request, job_id)
    again = reverse(f"customers:export_{job.format}") + (f"?{job.query}" if job.query else "")
    context = {"job": job, "again_url": again}
    return render_page(request, "customers/export_job.html", "progress", context)


@business_required
def export_job_download(request, job_id: str):
    job = _job(request, job_id)
    if job.status != ExportJob.Status.SUCCEEDED:
        raise Http404(_("This export has no file to download."))
    try:
        stream = export_file_open(job)
    except FileNotFoundError as exc:
        raise Http404(_("This export's file is gone.")) from exc
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=job.download_name,
        content_type=CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@business_required
@require_POST
def export_job_email(request, job_id: str):
    """E-mail me the link when the export is ready (or now, if it is)."""
    job = _job(request, job_id)
    if not request.user.email:
        messages.error(request, _("Your account has no e-mail address."))
    elif job.status in (*ExportJob.ACTIVE, ExportJob.Status.SUCCEEDED):
        export_job_notify(job=job, to=request.user.email)
        messages.success(
            request,
            _("We will e-mail the link to %(email)s when the export is ready.")
            % {"email": request.user.email},
        )
    return redirect("customers:export_job", job_id=job.pk)
