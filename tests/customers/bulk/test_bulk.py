"""Bulk actions from the customer table: ticked rows or every match, tag, invite,
export; one Event per customer; foreign or malformed selections write nothing."""

import pytest
from django.urls import reverse

from customers.audit import Actor
from customers.bulk.runner import bulk_job_run
from customers.bulk.services import BULK_IDS_MAX, InvalidSelection, bulk_job_create
from customers.models import BulkJob, CustomerTag, EmailLog, Event
from customers.notes import services
from portal.models import PortalLink
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
BULK = reverse("customers:bulk")


def make_tag(business, name="VIP"):
    return services.tag_create(business=business, actor=Actor.system(), name=name, color="blue")


def test_ticked_rows_get_the_tag_at_once_with_an_event_each(owner_client, business):
    tag = make_tag(business)
    chosen = CustomerFactory.create_batch(3, business=business)
    left_out = CustomerFactory(business=business)
    response = owner_client.post(
        BULK, {"action": "tag_add", "tag": tag.pk, "ids": [c.pk for c in chosen], "query": "q=x"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=x")
    tagged = set(CustomerTag.objects.values_list("customer_id", flat=True))
    assert tagged == {c.pk for c in chosen} and left_out.pk not in tagged
    events = Event.objects.filter(type="customer.tag_added")
    assert sorted(events.values_list("customer_id", flat=True)) == sorted(c.pk for c in chosen)
    job = BulkJob.objects.get()
    assert (job.status, job.done, job.changed) == ("succeeded", 3, 3)
    assert Event.objects.filter(type="customers.bulk_action").count() == 1


def test_all_matching_runs_as_a_job_in_batches(
    owner_client, business, settings, django_capture_on_commit_callbacks
):
    settings.BULK_BATCH_SIZE = 4
    tag = make_tag(business)
    CustomerFactory.create_batch(9, business=business, name="Match Me")
    CustomerFactory.create_batch(2, business=business, name="Other")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            BULK, {"action": "tag_add", "tag": tag.pk, "all": "1", "query": "q=Match+Me&page=2"}
        )
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "customers:bulk_job", args=[job.pk]
    )
    job.refresh_from_db()  # the tests run tasks eagerly, after the commit
    assert (job.status, job.total, job.done, job.changed) == ("succeeded", 9, 9, 9)
    assert job.query == "q=Match+Me"
    assert CustomerTag.objects.count() == 9
    page = owner_client.get(reverse("customers:bulk_job", args=[job.pk]))
    assert "9 of 9 customers" in page.content.decode()


def test_a_job_run_twice_changes_nothing_more(business, owner):
    tag = make_tag(business)
    CustomerFactory.create_batch(3, business=business)
    job = BulkJob.objects.create(
        business=business, requested_by=owner, action="tag_remove", tag=tag, query=""
    )
    services.customer_tags_add(
        tag=tag,
        customer_ids=list(business.customers.values_list("pk", flat=True)),
        actor=Actor.system(),
    )
    bulk_job_run(job_id=job.pk)
    BulkJob.objects.filter(pk=job.pk).update(status="running")  # as if a retry came
    job = bulk_job_run(job_id=job.pk)
    assert job.changed == 3 and not CustomerTag.objects.exists()
    assert Event.objects.filter(type="customer.tag_removed").count() == 3


def test_bulk_invite_emails_a_portal_link_to_each(owner_client, business):
    chosen = CustomerFactory.create_batch(2, business=business)
    response = owner_client.post(BULK, {"action": "invite", "ids": [c.pk for c in chosen]})
    assert response.status_code == 302
    assert PortalLink.objects.filter(kind="invite").count() == 2
    assert sorted(EmailLog.objects.values_list("recipient", flat=True)) == sorted(
        c.email for c in chosen
    )
    assert Event.objects.filter(type="portal_session.created").count() == 2


@pytest.mark.parametrize(
    "post",
    [
        {"action": "tag_add", "ids": ["FOREIGN"]},
        {"action": "invite", "ids": ["cus_nope"]},
        {"action": "tag_add"},
        {"action": "explode", "ids": ["MINE"]},
        {"action": "tag_add", "tag": "tag_unknown", "ids": ["MINE"]},
        {"action": "tag_add", "tag": "FOREIGN_TAG", "ids": ["MINE"]},
    ],
)
def test_bad_selections_are_4xx_and_write_nothing(owner_client, business, other_business, post):
    mine = CustomerFactory(business=business)
    stranger = CustomerFactory(business=other_business)
    make_tag(business)
    foreign_tag = make_tag(other_business, "Theirs")
    replace = {"FOREIGN": stranger.pk, "MINE": mine.pk, "FOREIGN_TAG": foreign_tag.pk}
    data = {
        key: [replace.get(v, v) for v in value]
        if isinstance(value, list)
        else replace.get(value, value)
        for key, value in post.items()
    }
    if data["action"] == "tag_add" and "tag" not in data:
        data["tag"] = ""
    if "ids" in data and data["ids"] == [stranger.pk]:
        data["ids"] = [mine.pk, stranger.pk]
    response = owner_client.post(BULK, data)
    assert 400 <= response.status_code < 500
    assert not BulkJob.objects.exists() and not CustomerTag.objects.exists()
    assert not PortalLink.objects.exists()


def test_viewers_may_export_a_selection_but_not_change_it(viewer_client, business):
    tag = make_tag(business)
    chosen = CustomerFactory(business=business, email="pick@example.com")
    CustomerFactory(business=business, email="skip@example.com")
    response = viewer_client.post(BULK, {"action": "tag_add", "tag": tag.pk, "ids": [chosen.pk]})
    assert response.status_code == 403 and not CustomerTag.objects.exists()
    response = viewer_client.post(BULK, {"action": "export_csv", "ids": [chosen.pk]})
    assert response.status_code == 302
    export = viewer_client.get(response["Location"])
    body = b"".join(export.streaming_content).decode()
    assert "pick@example.com" in body and "skip@example.com" not in body


def test_exporting_all_matching_keeps_the_filters(owner_client, business):
    CustomerFactory(business=business, name="Keep Me", email="keep@example.com")
    CustomerFactory(business=business, name="Drop", email="drop@example.com")
    response = owner_client.post(
        BULK, {"action": "export_csv", "all": "1", "query": "q=Keep&page=3"}
    )
    assert response["Location"] == reverse("customers:export_csv") + "?q=Keep"
    body = b"".join(owner_client.get(response["Location"]).streaming_content).decode()
    assert "keep@example.com" in body and "drop@example.com" not in body


def test_another_businesss_bulk_job_is_404(owner_client, other_business):
    job = BulkJob.objects.create(business=other_business, action="invite")
    assert owner_client.get(reverse("customers:bulk_job", args=[job.pk])).status_code == 404


def test_the_table_has_a_selection_column_and_bulk_bar(client, owner, viewer, customer):
    client.force_login(owner)
    html = client.get(reverse("customers:list")).content.decode()
    assert f'name="ids" value="{customer.pk}" form="bulk-form"' in html
    assert '<option value="invite">' in html
    client.force_login(viewer)
    viewer_html = client.get(reverse("customers:list")).content.decode()
    assert 'value="export_csv"' in viewer_html and '<option value="invite">' not in viewer_html


def test_the_service_refuses_more_ids_than_it_takes(business, owner):
    with pytest.raises(InvalidSelection):
        bulk_job_create(
            business=business,
            user=owner,
            action="invite",
            customer_ids=[f"cus_{i}" for i in range(BULK_IDS_MAX + 1)],
        )
    assert not BulkJob.objects.exists()
