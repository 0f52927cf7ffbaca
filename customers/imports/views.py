"""Customer imports in the dashboard (owners and admins): upload, map, dry run, import.

The job's page shows the step it is at: the column mapping (guessed from the headers),
the dry run's progress and its per-row problems, the button that starts the import,
and the import's progress (HTMX polls the `progress` fragment while the worker runs).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.core.htmx import render_page
from customers.imports import services
from customers.imports.reading import FIELDS, MAX_ROWS, REQUIRED
from customers.models import CustomerImport


def _job(request, job_id: str) -> CustomerImport:
    return get_object_or_404(CustomerImport.objects.for_business(request.business), pk=job_id)


def _too_large(request) -> bool:
    """A body larger than the file limit (plus the form's own bytes) is refused unread."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.CUSTOMER_IMPORT_MAX_BYTES + 64_000


@editor_required
def imports(request):
    """The upload form and the business's recent imports."""
    error = ""
    if request.method == "POST":
        too_large = _too_large(request)
        upload = None if too_large else request.FILES.get("file")
        if too_large:
            error = _("The file is larger than %(max)s MB; split it into smaller files.") % {
                "max": f"{settings.CUSTOMER_IMPORT_MAX_BYTES / 1_000_000:,.0f}"
            }
        elif upload is None:
            error = _("Choose a CSV file to upload.")
        else:
            try:
                job = services.customer_import_upload(
                    business=request.business, user=request.user, upload=upload
                )
            except services.ImportRefused as exc:
                error = exc.message
            else:
                return redirect("customers:import", job_id=job.pk)
    context = {
        "imports": services.recent_imports(request.business),
        "error": error,
        "max_mb": settings.CUSTOMER_IMPORT_MAX_BYTES // 1_000_000,
        "max_rows": MAX_ROWS,
    }
    return render(request, "customers/imports.html", context, status=400 if error else 200)


@editor_required
def import_detail(request, job_id: str):
    job = _job(request, job_id)
    mapping_rows = [
        (field, label, field in REQUIRED, job.mapping.get(field)) for field, label in FIELDS.items()
    ]
    context = {
        "job": job,
        "mapping_rows": mapping_rows,
        "headers": list(enumerate(job.headers)),
        # The problems with the field's name as the mapping form shows it.
        "problems": [{**p, "field": FIELDS.get(p["field"], p["field"])} for p in job.problems],
        "can_map": job.status in (CustomerImport.Status.UPLOADED, CustomerImport.Status.CHECKED),
    }
    return render_page(request, "customers/import_detail.html", "progress", context)


@editor_required
@require_POST
def import_check(request, job_id: str):
    job = _job(request, job_id)
    try:
        services.customer_import_check(job=job, mapping=request.POST.dict())
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
    return redirect("customers:import", job_id=job.pk)


@editor_required
@require_POST
def import_start(request, job_id: str):
    job = _job(request, job_id)
    try:
        services.customer_import_start(job=job)
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
    return redirect("customers:import", job_id=job.pk)
