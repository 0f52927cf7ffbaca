"""Tags: per business, coloured from the palette, unique by name in any case; on
customers with an Event each; in the table (filter, column), reports and the API."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from customers.audit import Actor
from customers.models import CustomerTag, Event, Tag
from customers.notes import services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")
WITH_TAGS = "name,email,tags"


def make_tag(business, name="VIP", color="blue"):
    return services.tag_create(business=business, actor=Actor.system(), name=name, color=color)


def test_owner_creates_renames_recolours_and_deletes_a_tag(owner_client, business, customer):
    response = owner_client.post(reverse("tag_list"), {"name": " VIP  buyers ", "color": "green"})
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.color, tag.business) == ("VIP buyers", "green", business)
    edit = reverse("tag_edit", args=[tag.pk])
    response = owner_client.post(edit, {f"{tag.pk}-name": "VIP", f"{tag.pk}-color": "red"})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("VIP", "red")
    services.customer_tags_add(tag=tag, customer_ids=[customer.pk], actor=Actor.system())
    assert owner_client.post(reverse("tag_delete", args=[tag.pk])).status_code == 302
    assert not Tag.objects.exists() and not CustomerTag.objects.exists()
    types = list(Event.objects.order_by("created_at").values_list("type", flat=True))
    assert types == ["tag.created", "tag.updated", "customer.tag_added", "tag.deleted"]


@pytest.mark.parametrize(
    ("name", "color"),
    [("", "blue"), ("x" * 41, "blue"), ("vip", "blue"), ("VIP ", "blue"), ("ok", "#ff0000")],
)
def test_bad_or_duplicate_tags_are_refused(owner_client, business, name, color):
    make_tag(business, "VIP")
    response = owner_client.post(reverse("tag_list"), {"name": name, "color": color})
    assert response.status_code == 200 and response.context["form"].errors
    assert Tag.objects.count() == 1


def test_the_database_refuses_a_duplicate_name_in_any_case(business):
    Tag.objects.create(business=business, name="Wholesale")
    with pytest.raises(IntegrityError):
        Tag.objects.create(business=business, name="WHOLESALE")


def test_two_businesses_may_use_the_same_tag_name(business, other_business):
    make_tag(business, "VIP")
    make_tag(other_business, "VIP")
    assert Tag.objects.count() == 2


def test_viewers_cannot_manage_or_apply_tags(viewer_client, business, customer):
    tag = make_tag(business)
    assert viewer_client.get(reverse("tag_list")).status_code == 403
    assert viewer_client.post(reverse("tag_list"), {"name": "x", "color": "red"}).status_code == 403
    url = reverse("customers:customer_tag_add", args=[customer.pk])
    assert viewer_client.post(url, {"tag": tag.pk}).status_code == 403
    assert not CustomerTag.objects.exists()


def test_tagging_a_customer_on_the_details_page(owner_client, business, customer):
    tag = make_tag(business, "Wholesale", "teal")
    add = reverse("customers:customer_tag_add", args=[customer.pk])
    assert owner_client.post(add, {"tag": tag.pk}).status_code == 302
    assert owner_client.post(add, {"tag": tag.pk}).status_code == 302  # twice: no change
    assert CustomerTag.objects.filter(customer=customer, tag=tag).count() == 1
    assert Event.objects.filter(type="customer.tag_added", customer_id=customer.pk).count() == 1
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'class="tag-chip tag-teal">Wholesale' in html
    remove = reverse("customers:customer_tag_remove", args=[customer.pk, tag.pk])
    assert owner_client.post(remove).status_code == 302
    assert not CustomerTag.objects.exists()
    assert Event.objects.filter(type="customer.tag_removed", customer_id=customer.pk).exists()


def test_another_businesss_tag_is_invisible(owner_client, business, other_business, customer):
    foreign = make_tag(other_business, "Theirs")
    add = reverse("customers:customer_tag_add", args=[customer.pk])
    owner_client.post(add, {"tag": foreign.pk})
    assert not CustomerTag.objects.exists()
    assert owner_client.post(reverse("tag_delete", args=[foreign.pk])).status_code == 404
    assert owner_client.post(reverse("tag_edit", args=[foreign.pk])).status_code == 404
    assert "Theirs" not in owner_client.get(reverse("tag_list")).content.decode()
    # As a table filter, another business's tag is an invalid choice: nothing filtered.
    response = owner_client.get(LIST, {"tag": foreign.pk})
    assert response.context["filterset"].form.errors
    assert customer.name in response.content.decode()


def test_the_table_filters_by_tag_and_shows_the_tags(owner_client, business):
    vip = make_tag(business, "VIP", "purple")
    tagged, plain = CustomerFactory(business=business), CustomerFactory(business=business)
    services.customer_tags_add(tag=vip, customer_ids=[tagged.pk], actor=Actor.system())
    response = owner_client.get(LIST, {"tag": vip.pk})
    rows = [row.record.pk for row in response.context["table"].paginated_rows]
    assert rows == [tagged.pk]
    assert "tag-chip" not in owner_client.get(LIST).content.decode()  # not a default column
    html = owner_client.get(LIST, {"columns": WITH_TAGS}).content.decode()
    assert 'class="tag-chip tag-purple">VIP' in html and plain.name in html


def test_table_queries_stay_constant_with_tags(
    owner_client, business, django_assert_max_num_queries
):
    tags = [make_tag(business, f"t{i}") for i in range(3)]
    first = CustomerFactory.create_batch(3, business=business)
    for tag in tags:
        services.customer_tags_add(
            tag=tag, customer_ids=[c.pk for c in first], actor=Actor.system()
        )
    with django_assert_max_num_queries(12) as small:
        owner_client.get(LIST, {"columns": WITH_TAGS})
    more = CustomerFactory.create_batch(40, business=business)
    for tag in tags:
        services.customer_tags_add(tag=tag, customer_ids=[c.pk for c in more], actor=Actor.system())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = owner_client.get(LIST, {"per_page": "50", "columns": WITH_TAGS})
    assert response.content.decode().count("tag-chip") >= 43 * 3


def test_export_and_report_have_a_tags_column(owner_client, business, customer):
    services.customer_tags_add(
        tag=make_tag(business, "b-tag"), customer_ids=[customer.pk], actor=Actor.system()
    )
    services.customer_tags_add(
        tag=make_tag(business, "a-tag"), customer_ids=[customer.pk], actor=Actor.system()
    )
    response = owner_client.get(reverse("customers:export_csv"), {"columns": "email,tags"})
    body = b"".join(response.streaming_content).decode()
    assert 'ada@example.com,"a-tag, b-tag"' in body
    tag = Tag.objects.get(name="a-tag")
    report = owner_client.get(reverse("customers:report"), {"columns": "name,tags", "tag": tag.pk})
    assert report.status_code == 200 and "a-tag, b-tag" in report.content.decode()
