"""The API tells paid and promotional wallet money apart: a portal top-up's entries
come out as `top_up` and `promotional_bonus`, and its payment as a one-time payment."""

import pytest

from customers.billing import purchases
from customers.billing.gateway import BuiltinGateway
from tests.customers.billing.purchase_helpers import ACTOR, card
from wallets.models import TopUpSettings

pytestmark = pytest.mark.django_db


def test_a_top_ups_entries_and_payment_through_the_api(api, customer, business):
    TopUpSettings.objects.create(
        business=business, currency="USD", bonus_percent=10, bonus_min_amount=5000
    )
    card(customer)
    payment = purchases.purchase_charge(
        customer=customer,
        kind=purchases.TOP_UP,
        amount=(5000, "USD"),
        idempotency_key="purchase:api:1",
        gateway=BuiltinGateway(),
        actor=ACTOR,
    ).payment
    response = api.get(f"/customers/{customer.pk}/wallets/ledger-entries")
    assert response.status_code == 200
    items = response.json()["items"]
    assert sorted((i["event_type"], i["amount"], i["is_credit"]) for i in items) == [
        ("promotional_bonus", 500, True),
        ("top_up", 5000, True),
    ]
    assert {i["reference_object_id"] for i in items} == {payment.pk}
    paid = api.get(f"/payments/{payment.pk}").json()
    assert paid["status"] == "succeeded" and paid["total_amount"] == 5000
    assert paid["subscription_id"] is None
