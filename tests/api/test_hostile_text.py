"""Text the database cannot store (a lone UTF-16 surrogate, NUL) and blank names are a
422 naming the field, in every JSON body that takes text, and nothing is written."""

import pytest

from customers.models import Customer, Event, Refund
from tests.api.test_bad_input import assert_422
from wallets.models import LedgerEntry

SURROGATE = "\udfff"  # json.dumps writes it as the escape "\udfff"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ada@example.com", "name": SURROGATE}, "name"),
        ({"email": f"a{SURROGATE}@example.com", "name": "Ada"}, "email"),
        ({"email": "ada@example.com", "name": "Ada", "metadata": {"k": SURROGATE}}, "metadata"),
        ({"email": "ada@example.com", "name": "Ada", "metadata": {SURROGATE: "v"}}, "metadata"),
        ({"email": "ada@example.com", "name": "Ada", "metadata": {"k": "a\x00"}}, "metadata"),
        ({"email": "ada@example.com", "name": "Ada", "phone_number": SURROGATE}, "phone_number"),
        ({"email": "ada@example.com", "name": "   "}, "name"),
        ({"email": "ada@example.com", "name": "\t\n "}, "name"),
    ],
)
def test_customer_create_refuses_unstorable_and_blank_text(api, body, field):
    events = Event.objects.count()
    assert_422(api.post("/customers", body), field)
    assert not Customer.objects.exists()
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": SURROGATE}, "name"),
        ({"name": "  "}, "name"),
        ({"name": None}, "name"),
        ({"metadata": {"k": SURROGATE}}, "metadata"),
    ],
)
def test_customer_patch_refuses_unstorable_blank_and_null_names(api, customer, body, field):
    assert_422(api.patch(f"/customers/{customer.pk}", body), field)
    assert Customer.objects.get(pk=customer.pk).name == "Ada Lovelace"


def test_a_name_is_stored_without_surrounding_whitespace(api):
    response = api.post("/customers", {"email": "ada@example.com", "name": "  Ada  "})
    assert response.status_code == 200 and response.json()["name"] == "Ada"


@pytest.mark.parametrize("field", ["reason", "idempotency_key"])
def test_ledger_entry_text_with_a_surrogate_is_422(api, customer, field):
    body = {"amount": 100, "currency": "USD", "entry_type": "credit", field: f"x{SURROGATE}"}
    assert_422(api.post(f"/customers/{customer.pk}/wallets/ledger-entries", body), field)
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"reason": SURROGATE}, "reason"), ({"metadata": {"k": SURROGATE}}, "metadata")],
)
def test_refund_text_with_a_surrogate_is_422(api, billing, extra, field):
    assert_422(api.post("/refunds", {"payment_id": billing["payment"].pk, **extra}), field)
    assert not Refund.objects.exists()


def test_cancellation_comment_with_a_surrogate_is_422(api, billing):
    sub = billing["subscription"]
    body = {"status": "cancelled", "cancellation_comment": f"bye{SURROGATE}"}
    assert_422(api.patch(f"/subscriptions/{sub.pk}", body), "cancellation_comment")
    sub.refresh_from_db()
    assert sub.status == "active"


@pytest.mark.parametrize("path", ["/licenses/validate", "/licenses/deactivate"])
def test_keyless_license_instance_id_with_a_surrogate_is_422(client, billing, path):
    body = {"license_key": billing["license_key"].key, "license_key_instance_id": SURROGATE}
    response = client.post(f"/api{path}", body, content_type="application/json")
    assert_422(response, "license_key_instance_id")
