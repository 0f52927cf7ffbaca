"""Starting a bulk action: check the selection, record the job and its Event, run it.

A selection is either ticked customer IDs (at most `BULK_IDS_MAX`, every one the
business's, else nothing is written) or "all matching": the table's query string,
parsed again by the run. Ticked rows up to `BULK_INLINE_MAX` run at once, in the
request; anything larger runs on the worker, in batches, with progress.
"""

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.bulk.runner import bulk_job_run
from customers.bulk.tasks import bulk_job_run_task
from customers.core.errors import DomainError
from customers.core.tasks import enqueue_on_commit
from customers.filter_queries import CUSTOMER_ID
from customers.models import BulkJob, Business, Customer, Tag

BULK_IDS_MAX = 500
BULK_INLINE_MAX = 100
TAG_ACTIONS = (BulkJob.Action.TAG_ADD, BulkJob.Action.TAG_REMOVE)


class InvalidSelection(DomainError):
    code = "INVALID_SELECTION"
    status = 400


def bulk_job_create(
    *,
    business: Business,
    user,
    action: str,
    tag: Tag | None = None,
    customer_ids: list[str] | None = None,
    query: QueryDict | None = None,
) -> BulkJob:
    """Record a bulk action over the ticked `customer_ids`, or over every customer the
    table's `query` matches when no IDs are given; run or enqueue it."""
    if action not in BulkJob.Action.values:
        raise InvalidSelection(_("Choose an action."))
    if action in TAG_ACTIONS and (tag is None or tag.business_id != business.pk):
        raise InvalidSelection(_("Choose a tag."))
    ids = list(dict.fromkeys(customer_ids or []))
    if not all(CUSTOMER_ID.fullmatch(pk) for pk in ids):
        raise InvalidSelection(_("Some selected customers were not found."))
    if len(ids) > BULK_IDS_MAX:
        raise InvalidSelection(
            _("Select at most %(max)s customers, or all that match the filter.")
            % {"max": BULK_IDS_MAX}
        )
    if ids and Customer.objects.for_business(business).filter(pk__in=ids).count() != len(ids):
        # Another business's customer, or none at all: the same answer, nothing written.
        raise InvalidSelection(_("Some selected customers were not found."))
    query_string = "" if ids else _selection_query(query)
    with transaction.atomic():
        job = BulkJob.objects.create(
            business=business,
            requested_by=user,
            action=action,
            tag=tag if action in TAG_ACTIONS else None,
            customer_ids=ids,
            query=query_string,
            total=len(ids),
        )
        event_record(
            business,
            type="customers.bulk_action",
            actor=Actor.user(user),
            payload={
                "job_id": job.pk,
                "action": action,
                "tag": tag.name if tag and action in TAG_ACTIONS else "",
                "selected": len(ids) or "all matching",
                "query": query_string,
            },
        )
        if not ids or len(ids) > BULK_INLINE_MAX:
            enqueue_on_commit(bulk_job_run_task, job.pk)
    if ids and len(ids) <= BULK_INLINE_MAX:
        job = bulk_job_run(job_id=job.pk)
    return job


def _selection_query(query: QueryDict | None) -> str:
    """The table's search and filters (not its paging, sort or columns)."""
    kept = QueryDict(mutable=True)
    for key, values in (query or QueryDict()).lists():
        if key not in ("page", "per_page", "sort", "columns", "ids"):
            kept.setlist(key, values)
    return kept.urlencode()
