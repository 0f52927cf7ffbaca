"""Delete and merge in the dashboard and the API: who may, what they see, bad input."""

import pytest
from django.urls import reverse

from customers.models import Customer, Event, Payment, is_tombstone
from tests.factories import CustomerFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def delete_url(customer):
    return reverse("customers:delete", args=[customer.pk])


def merge_url(customer):
    return reverse("customers:merge", args=[customer.pk])


def test_delete_page_asks_for_the_email(owner_client, customer):
    response = owner_client.get(delete_url(customer))
    assert response.status_code == 200
    assert b"Type the customer" in response.content


def test_delete_with_the_wrong_email_changes_nothing(owner_client, customer):
    response = owner_client.post(delete_url(customer), {"email": "someone@else.test"})
    assert response.status_code == 200
    assert b"This is not the customer" in response.content
    assert not is_tombstone(Customer.objects.get(pk=customer.pk))


def test_delete_with_the_email_tombstones_and_the_page_says_so(owner_client, customer):
    PaymentFactory(customer=customer)
    response = owner_client.post(delete_url(customer), {"email": "ADA@example.com"})
    assert response.status_code == 302
    page = owner_client.get(reverse("customers:detail", args=[customer.pk]))
    assert b"Deleted customer" in page.content
    assert b"ada@example.com" not in page.content
    listing = owner_client.get(reverse("customers:list"))
    assert b"Deleted customer" in listing.content


def test_delete_refused_with_a_live_subscription_shows_why(owner_client, customer):
    SubscriptionFactory(customer=customer)
    page = owner_client.get(delete_url(customer))
    assert b"Cancel it first" in page.content
    response = owner_client.post(delete_url(customer), {"email": customer.email})
    assert response.status_code == 200
    assert b"Cancel it first" in response.content
    assert not is_tombstone(Customer.objects.get(pk=customer.pk))


def test_viewers_can_neither_delete_nor_merge(viewer_client, customer):
    assert viewer_client.post(delete_url(customer), {"email": customer.email}).status_code == 403
    assert viewer_client.get(merge_url(customer)).status_code == 403
    assert not is_tombstone(Customer.objects.get(pk=customer.pk))


def test_another_business_customer_is_a_404(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    assert owner_client.get(delete_url(stranger)).status_code == 404
    assert owner_client.post(delete_url(stranger), {"email": stranger.email}).status_code == 404
    assert owner_client.get(merge_url(stranger)).status_code == 404


def test_merge_preview_then_merge_then_old_id_redirects(owner_client, customer, business):
    duplicate = CustomerFactory(business=business, email="ada@old.test")
    PaymentFactory(customer=duplicate, total_amount=1200)
    preview = owner_client.get(merge_url(customer), {"other": "ada@old.test", "keep": "this"})
    assert preview.status_code == 200
    assert b'id="merge-preview"' in preview.content
    assert not is_tombstone(Customer.objects.get(pk=duplicate.pk))  # a preview changes nothing

    done = owner_client.post(
        merge_url(customer), {"other": duplicate.pk, "keep": "this", "confirm": "1"}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("customers:detail", args=[customer.pk])
    assert Payment.objects.get().customer_id == customer.pk
    old = owner_client.get(reverse("customers:detail", args=[duplicate.pk]))
    assert old.status_code == 302
    assert old["Location"] == reverse("customers:detail", args=[customer.pk])


def test_merge_into_the_other_customer(owner_client, customer, business):
    other = CustomerFactory(business=business)
    owner_client.post(merge_url(customer), {"other": other.pk, "keep": "other", "confirm": "1"})
    assert is_tombstone(Customer.objects.get(pk=customer.pk))
    assert not is_tombstone(Customer.objects.get(pk=other.pk))


@pytest.mark.parametrize(
    "other", ["", "nobody@example.test", "cus_doesnotexist", "x" * 300, "\x00"]
)
def test_merge_with_an_unknown_other_customer_is_a_form_error(owner_client, customer, other):
    response = owner_client.post(merge_url(customer), {"other": other, "keep": "this"})
    assert response.status_code == 200
    assert not Event.objects.filter(type="customer.merged").exists()


def test_merge_with_another_business_customer_is_refused(owner_client, customer, other_business):
    stranger = CustomerFactory(business=other_business)
    response = owner_client.post(
        merge_url(customer), {"other": stranger.pk, "keep": "this", "confirm": "1"}
    )
    assert response.status_code == 200
    assert b"No customer of this business" in response.content
    assert not is_tombstone(Customer.objects.get(pk=stranger.pk))


def test_merge_with_itself_is_refused(owner_client, customer):
    response = owner_client.post(
        merge_url(customer), {"other": customer.pk, "keep": "this", "confirm": "1"}
    )
    assert b"Choose another customer" in response.content
