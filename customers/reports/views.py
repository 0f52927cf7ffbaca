"""Build Report, saved reports and the CSV / XLSX exports.

Every member (viewers too) can build, export and save reports; a saved report
can be changed or deleted by its creator or by an owner or admin. Saved reports
are shared by URL within the business; another business's report is a 404.
"""

import datetime as dt
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required
from customers.audit import Actor, event_record
from customers.core.htmx import render_page
from customers.core.replicas import replica_reads
from customers.models import SavedReport
from customers.reports import exports
from customers.reports.chart import signup_chart
from customers.reports.columns import report_names
from customers.reports.forms import SavedReportForm
from customers.reports.jobs import export_job_create
from customers.reports.query import (
    PREVIEW_ROWS,
    ReportParamError,
    ReportRequest,
    parse_report_request,
    report_rows,
)
from customers.tables import visible_columns

BUILDER_DEFAULT_COLUMNS = [
    "name",
    "id",
    "email",
    "created_at",
    "total_paid_usd",
    "payments_count",
    "last_payment_at",
]
SAVED_REPORTS_SHOWN = 50


def _bad_request(request, message: str):
    return render(
        request,
        "error.html",
        {"title": _("This report cannot be made"), "message": message},
        status=400,
    )


def _render_builder(request, report: ReportRequest, saved: SavedReport | None, save_form=None):
    registry = report.registry
    chosen = set(report.columns)
    valid = report.is_valid
    count, capped = report.customers.capped_count()
    rows = report_rows(report)
    query = report.query_string()
    chart = signup_chart(report, request.business, over_cap=capped) if count else None
    save_form = save_form or SavedReportForm(
        initial={"name": saved.name if saved else "", "query": query}
    )
    preview = {
        "report": report,
        "filterset": report.filterset,
        "saved": saved,
        "can_change": saved is not None and saved.can_change(request.user, request.membership),
        "matches": _matches(count, capped),
        "columns_count": ngettext("%(counter)s column", "%(counter)s columns", len(report.columns))
        % {"counter": len(report.columns)},
        "preview_columns": rows.columns,
        "preview_rows": _preview_cells(rows),
        "count": count,
        "capped": capped,
        "chart": chart,
        "query": query,
        "valid": valid,
        "save_form": save_form,
    }
    context = {
        **preview,
        "preview": preview,  # drawn by Jinja2: customers/_report_preview.jinja
        "column_groups": [
            (
                _("Customer fields"),
                [(c, c.name in chosen) for c in registry.values() if not c.computed],
            ),
            (
                _("Computed"),
                [
                    (c, c.name in chosen)
                    for c in registry.values()
                    if c.computed and c.kind != "credits"
                ],
            ),
            (
                _("Credits"),
                [(c, c.name in chosen) for c in registry.values() if c.kind == "credits"],
            ),
        ],
        "saved_reports": SavedReport.objects.for_business(request.business).order_by("name", "id")[
            :SAVED_REPORTS_SHOWN
        ],
    }
    return render_page(request, "customers/report_builder.html", "preview", context)


def _matches(count: int, capped: bool) -> str:
    """ "1,234 customers match", or "10,000+ customers match" past the count cap."""
    if capped:
        return _("%(cap)s+ customers match") % {"cap": intcomma(count)}
    return ngettext("%(n)s customer matches", "%(n)s customers match", count) % {
        "n": intcomma(count)
    }


def _preview_cells(rows) -> list[list[tuple]]:
    """(cell, is_numeric) pairs: exactly what the export writes, right-aligned numbers."""
    numeric = [c.kind in ("money", "count", "credits") for c in rows.columns]
    return [
        list(zip(cells, numeric, strict=True)) for cells in exports.display_rows(rows, PREVIEW_ROWS)
    ]


def _parse(request, params: QueryDict) -> ReportRequest:
    # The builder shows the first rows and a capped count, never more.
    return parse_report_request(
        params,
        business=request.business,
        default_columns=BUILDER_DEFAULT_COLUMNS,
        paged_to=settings.CUSTOMER_LIST_COUNT_CAP + PREVIEW_ROWS,
    )


@business_required
@replica_reads
def report_builder(request, report_id=None):
    """Pick columns and filters; HTMX gets only the preview (count, chart, rows)."""
    saved = None
    params = request.GET
    if report_id is not None:
        saved = get_object_or_404(SavedReport.objects.for_business(request.business), pk=report_id)
        if not params:
            params = _saved_params(saved)
    try:
        report = _parse(request, params)
    except ReportParamError as exc:
        return _bad_request(request, str(exc))
    return _render_builder(request, report, saved)


def _saved_params(saved: SavedReport) -> QueryDict:
    params = QueryDict(saved.filters, mutable=True)
    params["columns"] = ",".join(saved.columns)
    return params


def _checked_save_form(request, saved=None):
    """The Save form and the report its hidden `query` describes (None if bad)."""
    form = SavedReportForm(request.POST)
    report = None
    if form.is_valid():
        try:
            report = _parse(request, QueryDict(form.cleaned_data["query"]))
        except ReportParamError as exc:
            form.add_error(None, str(exc))
    return form, report


@business_required
@require_POST
def report_save(request):
    """Save the current report under a name (any member may save their own)."""
    form, report = _checked_save_form(request)
    if report is None:
        return _render_save_error(request, form)
    saved = SavedReport.objects.create(
        business=request.business,
        name=form.cleaned_data["name"].strip(),
        columns=report.columns,
        filters=report.filter_query(),
        created_by=request.user,
    )
    messages.success(request, _("Report “%(name)s” saved.") % {"name": saved.name})
    return redirect("customers:report_detail", report_id=saved.pk)


def _changeable_report(view):
    """A POST that changes one saved report: its creator, an owner or an admin only."""

    @business_required
    @require_POST
    @wraps(view)
    def wrapper(request, report_id):
        saved = get_object_or_404(SavedReport.objects.for_business(request.business), pk=report_id)
        if not saved.can_change(request.user, request.membership):
            return _forbidden(request)
        return view(request, saved)

    return wrapper


@_changeable_report
def report_update(request, saved: SavedReport):
    form, report = _checked_save_form(request, saved)
    if report is None:
        return _render_save_error(request, form, saved)
    saved.name = form.cleaned_data["name"].strip()
    saved.columns = report.columns
    saved.filters = report.filter_query()
    saved.save()
    messages.success(request, _("Report “%(name)s” updated.") % {"name": saved.name})
    return redirect("customers:report_detail", report_id=saved.pk)


@_changeable_report
def report_delete(request, saved: SavedReport):
    saved.delete()
    messages.success(request, _("Report “%(name)s” deleted.") % {"name": saved.name})
    return redirect("customers:report")


def _forbidden(request):
    return render(
        request,
        "error.html",
        {
            "title": _("Not your report"),
            "message": _(
                "Only the person who saved this report, or an owner or admin, can change "
                "or delete it. Save a copy under another name instead."
            ),
        },
        status=403,
    )


def _render_save_error(request, form, saved=None):
    """Re-open the builder with the Save form's errors (the query was checked)."""
    params = QueryDict(request.POST.get("query", ""))
    try:
        report = _parse(request, params)
    except ReportParamError as exc:
        return _bad_request(request, str(exc))
    return _render_builder(request, report, saved, save_form=form)


def _export_request(request) -> ReportRequest:
    visible = visible_columns(request)
    return parse_report_request(
        request.GET,
        business=request.business,
        default_columns=lambda entitlements: report_names(visible, entitlements),
    )


def _filter_errors(report: ReportRequest) -> str:
    form = report.filterset.form
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


def _filename(request, extension: str) -> str:
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"customers-{stamp}.{extension}"


def _record_export(request, report: ReportRequest, fmt: str) -> None:
    event_record(
        request.business,
        type="customers.exported",
        actor=Actor.user(request.user),
        payload={"format": fmt, **report.payload()},
    )


@business_required
@replica_reads
def export(request, fmt: str):
    """Every customer matching the query parameters, streamed as CSV or XLSX; more
    than `EXPORT_JOB_THRESHOLD` of them become an export job (its page follows)."""
    try:
        report = _export_request(request)
    except ReportParamError as exc:
        return _bad_request(request, str(exc))
    if not report.is_valid:
        return _bad_request(
            request,
            _("Some filter values are not valid: %(errors)s") % {"errors": _filter_errors(report)},
        )
    _count, over = report.customers.capped_count(settings.EXPORT_JOB_THRESHOLD)
    if over:  # too many to stream within a request: the worker writes it
        job = export_job_create(
            business=request.business,
            user=request.user,
            fmt=fmt,
            query=report.query_string(),
            payload=report.payload(),
        )
        return redirect("customers:export_job", job_id=job.pk)
    rows = report_rows(report, times_as_text=fmt == "csv")
    _record_export(request, report, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename(request, "csv")}"'
    else:
        response = FileResponse(
            exports.write_xlsx(rows),
            as_attachment=True,
            filename=_filename(request, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Cache-Control"] = "private, no-store"
    return response
