"""A bulk action over "all matching" through a real worker on Redis (PostgreSQL; see
tests/worker.py): the request queues the job, a worker process walks the selection in
batches, every matching customer is tagged once with one Event each, the page shows it
done."""

import pytest
from django.urls import reverse

from customers.audit import Actor
from customers.models import BulkJob, CustomerTag, Event
from customers.notes import services
from tests.factories import CustomerFactory
from tests.worker import wait_for, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_tags_every_match_in_batches(owner_client, business, tmp_path):
    tag = services.tag_create(business=business, actor=Actor.system(), name="VIP", color="red")
    matching = CustomerFactory.create_batch(11, business=business, name="Batch Person")
    CustomerFactory.create_batch(3, business=business, name="Someone Else")
    with worker_process(tmp_path, BULK_BATCH_SIZE="4"):
        response = owner_client.post(
            reverse("customers:bulk"),
            {"action": "tag_add", "tag": tag.pk, "all": "1", "query": "q=Batch+Person"},
        )
        assert response.status_code == 302
        job = BulkJob.objects.get()

        def finished():
            return BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.SUCCEEDED

        wait_for(finished, timeout=60, what="the bulk job to finish")
    job.refresh_from_db()
    assert (job.total, job.done, job.changed, job.attempts) == (11, 11, 11, 1)
    tagged = set(CustomerTag.objects.values_list("customer_id", flat=True))
    assert tagged == {c.pk for c in matching}
    events = Event.objects.filter(type="customer.tag_added")
    assert sorted(events.values_list("customer_id", flat=True)) == sorted(c.pk for c in matching)
    page = owner_client.get(reverse("customers:bulk_job", args=[job.pk])).content.decode()
    assert "11 of 11 customers" in page and "hx-trigger" not in page
