"""DELETE /customers/{id} (extension) and a merged customer's ID in GET."""

import pytest
from django.urls import reverse

from customers.models import Customer, is_tombstone
from tests.factories import CustomerFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def merge_url(customer):
    return reverse("customers:merge", args=[customer.pk])


def test_api_delete_then_get_shows_a_tombstone(api, customer):
    response = api.delete(f"/customers/{customer.pk}")
    assert response.status_code == 204
    body = api.get(f"/customers/{customer.pk}").json()
    assert body["name"] == "" and "ada" not in body["email"]
    again = api.delete(f"/customers/{customer.pk}")
    assert again.status_code == 409 and again.json()["code"] == "CUSTOMER_DELETED"


def test_api_delete_refused_with_a_live_subscription(api, customer):
    SubscriptionFactory(customer=customer)
    response = api.delete(f"/customers/{customer.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "CUSTOMER_HAS_ACTIVE_SUBSCRIPTION"


def test_api_delete_of_another_business_customer_is_a_404(api, other_business):
    stranger = CustomerFactory(business=other_business)
    assert api.delete(f"/customers/{stranger.pk}").status_code == 404
    assert not is_tombstone(Customer.objects.get(pk=stranger.pk))


def test_api_get_of_a_merged_customer_returns_the_survivor_with_a_header(
    api, customer, business, owner_client
):
    duplicate = CustomerFactory(business=business)
    owner_client.post(merge_url(customer), {"other": duplicate.pk, "keep": "this", "confirm": "1"})
    response = api.get(f"/customers/{duplicate.pk}")
    assert response.status_code == 200
    assert response.json()["customer_id"] == customer.pk
    assert response["X-Customer-Merged-Into"] == customer.pk


def test_api_patch_of_a_deleted_customer_is_refused(api, customer):
    api.delete(f"/customers/{customer.pk}")
    response = api.patch(f"/customers/{customer.pk}", {"email": "back@example.com"})
    assert response.status_code == 409
