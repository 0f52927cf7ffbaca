"""The customer table's bulk bar: start an action on the ticked rows (or every match),
then follow its progress."""

import re

from django.contrib import messages
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required, editor_required
from customers.bulk.services import InvalidSelection, bulk_job_create
from customers.core.htmx import render_page
from customers.filter_queries import IDS_MAX
from customers.models import BulkJob, Tag

TAG_ID = re.compile(r"tag_[0-9A-Za-z]{25}")
EXPORT_ACTIONS = {"export_csv": "customers:export_csv", "export_xlsx": "customers:export_xlsx"}


def _selection(request) -> tuple[list[str], QueryDict]:
    """The ticked IDs (none when "all matching" is chosen) and the table's query."""
    query = QueryDict(request.POST.get("query", "")[:4000])
    ids = [] if request.POST.get("all") == "1" else request.POST.getlist("ids")
    return ids, query


def _bad(request, message: str):
    return render(
        request, "error.html", {"title": _("Bulk action"), "message": message}, status=400
    )


def bulk_export(request):
    """Export the selection: the table's export URL with the ticked IDs (or its query)."""
    ids, query = _selection(request)
    fmt = request.POST.get("action", "export_csv")
    if fmt not in EXPORT_ACTIONS:
        return _bad(request, _("Choose an action."))
    if not ids and request.POST.get("all") != "1":
        return _bad(request, _("Select some customers first."))
    if len(ids) > IDS_MAX:
        return _bad(request, _("Select at most %(max)s customers.") % {"max": IDS_MAX})
    target = QueryDict(mutable=True)
    if ids:
        target["ids"] = ",".join(ids)
    else:
        target.update(query)
        for key in ("page", "per_page", "ids"):
            target.pop(key, None)
    url = f"{reverse(EXPORT_ACTIONS[fmt])}?{target.urlencode(safe=',')}"
    return HttpResponseRedirect(url)


@business_required
@require_POST
def bulk_start(request):
    """The bulk bar's one form: exports for every member, changes for owners and admins."""
    if request.POST.get("action", "") in EXPORT_ACTIONS:
        return bulk_export(request)
    return _bulk_change(request)


@editor_required
def _bulk_change(request):
    action = request.POST.get("action", "")
    ids, query = _selection(request)
    if not ids and request.POST.get("all") != "1":
        return _bad(request, _("Select some customers first."))
    tag = None
    if tag_id := request.POST.get("tag"):
        tags = Tag.objects.for_business(request.business)
        tag = tags.filter(pk=tag_id).first() if TAG_ID.fullmatch(tag_id) else None
        if tag is None:
            return _bad(request, _("Choose one of your tags."))
    try:
        job = bulk_job_create(
            business=request.business,
            user=request.user,
            action=action,
            tag=tag,
            customer_ids=ids,
            query=query,
        )
    except InvalidSelection as exc:
        return _bad(request, str(exc.message))
    if job.status == BulkJob.Status.SUCCEEDED:
        messages.success(request, _summary(job))
        back = reverse("customers:list")
        return HttpResponseRedirect(f"{back}?{query.urlencode()}" if query else back)
    return redirect("customers:bulk_job", job_id=job.pk)


def _summary(job: BulkJob) -> str:
    if job.action == BulkJob.Action.INVITE:
        return _("Portal invitations e-mailed to %(n)s customers.") % {"n": job.changed}
    if job.action == BulkJob.Action.TAG_ADD:
        return _("Tag %(tag)s added to %(n)s customers.") % {"tag": job.tag, "n": job.changed}
    return _("Tag %(tag)s removed from %(n)s customers.") % {"tag": job.tag, "n": job.changed}


@business_required
def bulk_job(request, job_id):
    """A bulk job's progress; HTMX polls the progress fragment while it runs."""
    job = get_object_or_404(
        BulkJob.objects.for_business(request.business).select_related("tag", "requested_by"),
        pk=job_id,
    )
    context = {"job": job, "summary": _summary(job) if job.status == "succeeded" else ""}
    return render_page(request, "customers/bulk_job.html", "progress", context)
