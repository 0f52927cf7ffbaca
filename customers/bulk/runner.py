"""Running a bulk job: walk its selection in keyset batches, one transaction each.

Each batch locks the job row, reads its cursor, takes the next batch of
customers after it (`BULK_BATCH_SIZE`) in `(created_at, id)` order (the `(business, created_at, id)`
index), applies the action and moves the cursor, all in one transaction: a batch
is done once, whichever worker (or a retry) runs it, and a crash loses at most the
batch in flight, which the next run does again from the committed cursor.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from customers.audit import Actor
from customers.bulk.actions import ACTIONS
from customers.listing import CustomerList
from customers.models import BulkJob, Customer

CURSOR_SEPARATOR = "|"


def selection(job: BulkJob) -> QuerySet:
    """The job's customers: the ticked IDs, or every match of the saved table query."""
    business = job.business
    if job.customer_ids:
        return Customer.objects.for_business(business).filter(pk__in=job.customer_ids)
    return CustomerList(QueryDict(job.query), business=business).queryset


def _after(queryset: QuerySet, cursor: str) -> QuerySet:
    if not cursor:
        return queryset
    stamp, _sep, pk = cursor.partition(CURSOR_SEPARATOR)
    moment = dt.datetime.fromisoformat(stamp)
    return queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))


def _actor(job: BulkJob) -> Actor:
    user = job.requested_by
    return Actor.user(user) if user else Actor.system("bulk action")


def bulk_job_run_batch(*, job_id: str) -> bool:
    """Process the next batch of the job; False once there is nothing left."""
    with transaction.atomic():
        job = (
            BulkJob.objects.select_for_update(of=("self",))
            .select_related("business", "tag", "requested_by")
            .get(pk=job_id)
        )
        if not job.is_active:
            return False
        if job.status == BulkJob.Status.QUEUED or not job.total:
            job.status = BulkJob.Status.RUNNING
            job.attempts += 1
            if not job.total:
                job.total = selection(job).count()
        batch = list(
            _after(selection(job), job.cursor)
            .order_by("created_at", "pk")
            .values_list("pk", "created_at")[: settings.BULK_BATCH_SIZE]
        )
        if not batch:
            job.status = BulkJob.Status.SUCCEEDED
            job.finished_at = timezone.now()
            job.done = max(job.done, job.total)
            job.save()
            return False
        ids = [pk for pk, _created in batch]
        job.changed += ACTIONS[job.action](job, ids, _actor(job))
        last_pk, last_created = batch[-1]
        job.cursor = f"{last_created.isoformat()}{CURSOR_SEPARATOR}{last_pk}"
        job.done += len(batch)
        job.save()
    return True


def bulk_job_run(*, job_id: str) -> BulkJob:
    """Every batch of the job, to the end."""
    while bulk_job_run_batch(job_id=job_id):
        pass
    return BulkJob.objects.get(pk=job_id)


def bulk_job_give_up(*, job_id: str, error: str) -> None:
    BulkJob.objects.filter(pk=job_id, status__in=BulkJob.ACTIVE).update(
        status=BulkJob.Status.FAILED, error=error[:500], finished_at=timezone.now()
    )
