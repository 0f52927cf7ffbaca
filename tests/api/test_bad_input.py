"""Bad input is a 422 `{"code", "message"}` naming the field, and writes nothing."""

import pytest

from customers.models import Customer, Event
from wallets.models import LedgerEntry

INT64_OVERFLOW = 2**63


def assert_422(response, field=None):
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] in ("INVALID_REQUEST_BODY", "INVALID_REQUEST_PARAMETERS")
    if field:
        assert field in body["message"], body["message"]


@pytest.mark.parametrize(
    "raw",
    ["{bad json", "[1, 2]", "null", '"text"', "", '{"email": "a@b.co", "name": "x"'],
)
def test_malformed_or_non_object_json_is_422(api, raw):
    assert_422(api.post("/customers", raw=raw))
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No e-mail"}, "email"),
        ({"email": "ada@example.com"}, "name"),
        ({"email": 5, "name": "x"}, "email"),
        ({"email": "ada@example.com", "name": ["x"]}, "name"),
        ({"email": "ada@example.com", "name": "x", "preferred_locale": "xx"}, "preferred_locale"),
        ({"email": "ada@example.com", "name": "x", "phone_number": "12"}, "phone_number"),
        ({"email": "ada@example.com", "name": "x", "metadata": {"k": {"deep": 1}}}, "metadata"),
        ({"email": "ada@example.com", "name": "x", "metadata": {f"k{i}": i for i in range(51)}},
         "metadata"),
        ({"email": "ada@example.com", "name": "nul\x00byte"}, "name"),
        ({"email": "ada@example.com", "name": "x" * 300}, "name"),
    ],
)  # fmt: skip
def test_customer_create_validation(api, body, field):
    events = Event.objects.count()
    assert_422(api.post("/customers", body), field)
    assert not Customer.objects.exists()
    assert Event.objects.count() == events


def test_patch_cannot_null_required_fields(api, customer):
    assert_422(api.patch(f"/customers/{customer.pk}", {"name": None}), "name")
    assert_422(api.patch(f"/customers/{customer.pk}", {"email": None}), "email")
    assert Customer.objects.get(pk=customer.pk).name == "Ada Lovelace"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": INT64_OVERFLOW, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": 10**30, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": 0, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": -5, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": "100", "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": 1.5, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": True, "currency": "USD", "entry_type": "credit"}, "amount"),
        ({"amount": 100, "currency": "usd", "entry_type": "credit"}, "currency"),
        ({"amount": 100, "currency": "XXX", "entry_type": "credit"}, "currency"),
        ({"amount": 100, "currency": "USD", "entry_type": "refund"}, "entry_type"),
        ({"amount": 100, "currency": "USD", "entry_type": "credit", "reason": "x" * 501}, "reason"),
    ],
)
def test_ledger_entry_validation(api, customer, body, field):
    assert_422(api.post(f"/customers/{customer.pk}/wallets/ledger-entries", body), field)
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"page_number": -1},
        {"page_number": 10**20},
        {"page_size": "ten"},
        {"created_at_gte": "yesterday"},
    ],
)
def test_bad_pagination_and_filters_are_422(api, params):
    assert_422(api.get("/customers", **params))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/payments", {"status": "paid"}),
        ("/payments", {"currency": "usd"}),
        ("/refunds", {"status": "done"}),
        ("/subscriptions", {"status": "gone"}),
        ("/license_keys", {"source": "stolen"}),
    ],
)
def test_unknown_enum_values_are_422(api, path, params):
    assert_422(api.get(path, **params), next(iter(params)))


def test_pages_past_the_end_and_past_the_offset_cap_are_empty(api, customer, settings):
    assert api.get("/customers", page_number=1).json() == {"items": []}
    assert api.get("/customers", page_number=0).json()["items"]
    settings.API_OFFSET_CAP = 0
    assert api.get("/customers", page_number=0).json() == {"items": []}


@pytest.mark.parametrize("bad_id", ["cus_", "x" * 500, "cus_%00", "../etc", "cus_a b"])
def test_malformed_ids_are_404(api, bad_id):
    response = api.get(f"/customers/{bad_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_refund_items_validation(api, billing):
    payment = billing["payment"]
    pid = billing["product"].pk
    assert_422(api.post("/refunds", {"payment_id": payment.pk, "items": []}), "items")
    assert_422(
        api.post("/refunds", {"payment_id": payment.pk, "items": [{"item_id": pid, "amount": 0}]}),
        "amount",
    )
    twice = api.post("/refunds", {"payment_id": payment.pk, "items": [{"item_id": pid}] * 2})
    assert twice.status_code == 400
    assert twice.json()["code"] == "DUPLICATE_LINE_ITEMS_IN_REQUEST"
    wrong = api.post("/refunds", {"payment_id": payment.pk, "currency": "INR"})
    assert wrong.status_code == 400 and wrong["x-should-retry"] == "false"


def test_refund_amount_without_tax_adds_the_tax_share(api, billing):
    # $50.00 including $5.00 tax: $9.00 before tax is $10.00 with its tax.
    body = {
        "payment_id": billing["payment"].pk,
        "items": [{"item_id": billing["product"].pk, "amount": 900, "tax_inclusive": False}],
    }
    assert api.post("/refunds", body).json()["amount"] == 1000


def test_unknown_api_paths_and_methods(api):
    assert api.client.delete("/api/customers").status_code == 405
    response = api.get("/no-such-thing")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_unknown_query_parameters_are_422(api, customer):
    response = api.get("/customers", emial="ada@example.com")
    assert_422(response, "emial")
    assert api.get(f"/customers/{customer.pk}", page=2).status_code == 422
    assert api.get("/customers", email="ada@example.com").json()["items"]


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31",
        "0001-01-01",
    ],
)
@pytest.mark.parametrize("path", ["/customers", "/payments", "/refunds", "/subscriptions"])
def test_far_dates_in_list_filters_are_never_a_server_error(api, path, value):
    for name in ("created_at_gte", "created_at_lte"):
        response = api.get(path, **{name: value})
        assert response.status_code in (200, 422), (name, value, response.content)
        if response.status_code == 422:
            assert name in response.json()["message"]
