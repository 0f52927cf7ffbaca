"""Customer imports, the dashboard's side: upload a file, map its columns, ask for a
dry run, start the import. The worker's side (checking and importing the rows) is
`customers.imports.runner`; each step that takes time is a task on the worker.
"""

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.core.errors import DomainError
from customers.core.tasks import enqueue_on_commit
from customers.imports import tasks
from customers.imports.reading import (
    FIELDS,
    MAX_ROWS,
    REQUIRED,
    ImportFileError,
    guess_mapping,
    header_of,
)
from customers.models import Business, CustomerImport
from customers.reports.job_runner import export_storage

RECENT_IMPORTS = 20


class ImportRefused(DomainError):
    code = "INVALID_IMPORT"
    status = 422


def customer_import_upload(*, business: Business, user, upload) -> CustomerImport:
    """Keep the uploaded file and guess its mapping; ImportRefused if it cannot be read."""
    if upload.size > settings.CUSTOMER_IMPORT_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once.")
            % {
                "size": f"{upload.size / 1_000_000:,.1f}",
                "max": f"{settings.CUSTOMER_IMPORT_MAX_BYTES / 1_000_000:,.0f}",
            }
        )
    try:
        headers = header_of(upload, max_rows=MAX_ROWS)
    except ImportFileError as exc:
        raise ImportRefused(str(exc)) from exc
    mapping = guess_mapping(headers)
    upload.seek(0)
    job = CustomerImport(
        business=business,
        requested_by=user,
        filename=(upload.name or "customers.csv")[-255:],
        file_size=upload.size,
        headers=headers,
        mapping=mapping,
        language=get_language() or "en",
    )
    job.file = export_storage().save(f"imports/{business.pk}/{job.pk}.csv", File(upload))
    job.save()
    return job


def clean_mapping(job: CustomerImport, data: dict) -> dict[str, int]:
    """field -> column index from the mapping form's values ("" = not imported)."""
    mapping = {}
    for field in FIELDS:
        raw = data.get(field, "")
        if raw in ("", None):
            continue
        try:
            index = int(raw)
        except (TypeError, ValueError) as exc:
            raise ImportRefused(_("Choose a column of the file for each field.")) from exc
        if not 0 <= index < len(job.headers):
            raise ImportRefused(_("Choose a column of the file for each field."))
        mapping[field] = index
    missing = [str(FIELDS[f]) for f in REQUIRED if f not in mapping]
    if missing:
        raise ImportRefused(
            _("Choose the column that holds: %(fields)s.") % {"fields": ", ".join(missing)}
        )
    return mapping


def customer_import_check(*, job: CustomerImport, mapping: dict) -> CustomerImport:
    """Save the mapping and queue the dry run (nothing is imported)."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=job.pk)
        if job.status not in (CustomerImport.Status.UPLOADED, CustomerImport.Status.CHECKED):
            raise ImportRefused(_("This import has already started."))
        job.mapping = clean_mapping(job, mapping)
        job.status = CustomerImport.Status.CHECKING
        job.rows_total = job.rows_valid = job.rows_invalid = job.rows_existing = 0
        job.problems = []
        job.claim = ""
        job.save()
        enqueue_on_commit(tasks.customer_import_check_task, job.pk)
    return job


def customer_import_start(*, job: CustomerImport) -> CustomerImport:
    """Queue the import itself, once the dry run is done."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=job.pk)
        if job.status != CustomerImport.Status.CHECKED:
            raise ImportRefused(_("Check the file first (dry run), then import it."))
        job.status = CustomerImport.Status.QUEUED
        job.save(update_fields=["status", "updated_at"])
        enqueue_on_commit(tasks.customer_import_run_task, job.pk)
    return job


def recent_imports(business: Business):
    return (
        CustomerImport.objects.for_business(business)
        .select_related("requested_by")
        .order_by("-created_at")[:RECENT_IMPORTS]
    )
