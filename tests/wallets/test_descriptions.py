"""The internal reason stays with the merchant's team; the customer reads a description
written for them, or the entry's plain type (issue 15, item 9)."""

import pytest
from django.urls import reverse

from tests.portal.conftest import portal_link
from tests.wallets.test_views import confirm
from wallets.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_the_form_keeps_the_internal_reason_apart_from_the_customers_description(
    owner_client, client, customer
):
    response, _data = confirm(
        owner_client,
        customer,
        reason="Ticket 4411: refunded shipping by hand",
        description="Shipping refund",
    )
    assert "Credited $12.50" in response.content.decode()
    entry = LedgerEntry.objects.get()
    assert (entry.reason, entry.description) == (
        "Ticket 4411: refunded shipping by hand",
        "Shipping refund",
    )
    client.get(portal_link(customer))
    page = client.get(reverse("portal:wallet")).content.decode()
    assert "Shipping refund" in page and "Ticket 4411" not in page


def test_without_a_description_the_customer_sees_the_entry_type(owner_client, client, customer):
    review = owner_client.post(
        f"/customers/{customer.pk}/wallet/adjust/",
        {"direction": "credit", "currency": "USD", "amount": "5", "reason": "Manual debit fix"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "The customer sees" in review and "Merchant adjustment" in review
    confirm(owner_client, customer, amount="5", reason="Manual debit fix")
    client.get(portal_link(customer))
    page = client.get(reverse("portal:wallet")).content.decode()
    assert "Merchant adjustment" in page and "Manual debit fix" not in page
