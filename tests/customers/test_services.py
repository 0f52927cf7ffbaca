"""The customer services (customers.services): create and update, with their events."""

import pytest
from django.core.exceptions import ValidationError

from customers import services
from customers.audit import Actor
from customers.core.errors import CustomerEmailTaken
from customers.models import Customer, Event

pytestmark = pytest.mark.django_db


def test_customer_create_writes_an_event(business, owner):
    customer = services.customer_create(
        business=business,
        actor=Actor.user(owner),
        name="  Ada Lovelace ",
        email="ada@example.com",
        phone_number="+44 20 7946 0958",
        metadata={"plan": "pro"},
    )
    assert customer.name == "Ada Lovelace"
    assert customer.phone_number == "+442079460958"
    event = Event.objects.get(object_id=customer.pk)
    assert event.type == "customer.created"
    assert event.actor_label == owner.username
    assert event.business == business


def test_duplicate_email_is_refused_and_points_at_the_existing_customer(business, customer):
    with pytest.raises(CustomerEmailTaken) as exc_info:
        services.customer_create(
            business=business, actor=Actor.system(), name="Other", email="ADA@example.com"
        )
    assert exc_info.value.existing == customer
    assert Customer.objects.filter(business=business).count() == 1


def test_update_records_what_changed(customer, owner):
    services.customer_update(
        customer=customer, actor=Actor.user(owner), name="Ada King", phone_number=""
    )
    customer.refresh_from_db()
    assert customer.name == "Ada King"
    event = Event.objects.get(type="customer.updated")
    assert event.payload["changes"]["name"] == ["Ada Lovelace", "Ada King"]


def test_update_without_changes_writes_nothing(customer, owner):
    services.customer_update(customer=customer, actor=Actor.user(owner), name=customer.name)
    assert not Event.objects.filter(type="customer.updated").exists()


def test_update_to_another_customers_email_is_refused(business, customer, owner):
    other = services.customer_create(
        business=business, actor=Actor.system(), name="Grace", email="grace@example.com"
    )
    with pytest.raises(CustomerEmailTaken):
        services.customer_update(customer=other, actor=Actor.user(owner), email="ADA@EXAMPLE.COM")
    other.refresh_from_db()
    assert other.email == "grace@example.com"


def test_invalid_metadata_is_refused_before_writing(business):
    with pytest.raises(ValidationError):
        services.customer_create(
            business=business,
            actor=Actor.system(),
            name="Ada",
            email="ada2@example.com",
            metadata={f"k{i}": "v" for i in range(51)},
        )
    assert not Customer.objects.exists()
