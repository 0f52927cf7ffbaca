"""The `tags` extension on the API's customer object (names, alphabetical, read-only)."""

import pytest
from dodopayments.types import Customer as ClientCustomer

from customers.api.customers import customer_out
from customers.audit import Actor
from customers.notes import services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customers_carry_their_tag_names(api, business, other_business, customer):
    for name in ("wholesale", "VIP"):
        tag = services.tag_create(business=business, actor=Actor.system(), name=name, color="blue")
        services.customer_tags_add(tag=tag, customer_ids=[customer.pk], actor=Actor.system())
    CustomerFactory(business=business)
    one = api.get(f"/customers/{customer.pk}").json()
    assert one["tags"] == ["VIP", "wholesale"]
    items = api.get("/customers").json()["items"]
    assert {c["customer_id"]: c["tags"] for c in items}[customer.pk] == ["VIP", "wholesale"]
    assert sorted(len(c["tags"]) for c in items) == [0, 2]


def test_the_list_costs_the_same_queries_with_more_tagged_customers(
    api, business, django_assert_max_num_queries
):
    tag = services.tag_create(business=business, actor=Actor.system(), name="t", color="red")
    few = CustomerFactory.create_batch(2, business=business)
    services.customer_tags_add(tag=tag, customer_ids=[c.pk for c in few], actor=Actor.system())
    with django_assert_max_num_queries(20) as small:
        api.get("/customers")
    many = CustomerFactory.create_batch(20, business=business)
    services.customer_tags_add(tag=tag, customer_ids=[c.pk for c in many], actor=Actor.system())
    with django_assert_max_num_queries(len(small.captured_queries)):
        api.get("/customers")


def test_the_official_client_reads_a_customer_with_tags(business, customer):
    tag = services.tag_create(business=business, actor=Actor.system(), name="VIP", color="red")
    services.customer_tags_add(tag=tag, customer_ids=[customer.pk], actor=Actor.system())
    parsed = ClientCustomer.model_validate(
        {**customer_out(customer), "created_at": customer.created_at.isoformat()}
    )
    assert parsed.customer_id == customer.pk and parsed.tags == ["VIP"]
