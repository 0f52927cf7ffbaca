"""The OpenAPI schema states the rules the server enforces (schemathesis checks the
two agree on generated input: tests/api/test_schema.py); these pin the ones a
schemathesis run once found missing, each with the server's side of it."""

import re

import pytest

from config.api import api as ninja_api
from customers.core.validation import PHONE_PATTERN
from tests.api.test_bad_input import assert_422

SCHEMA = ninja_api.get_openapi_schema()
COMPONENTS = SCHEMA["components"]["schemas"]


def prop(schema_name: str, field: str) -> dict:
    return COMPONENTS[schema_name]["properties"][field]


def test_name_and_email_on_patch_are_not_nullable():
    for field in ("name", "email"):
        assert "anyOf" not in prop("CustomerPatchIn", field)
        assert prop("CustomerPatchIn", field)["type"] == "string"
    assert prop("CustomerPatchIn", "name")["pattern"] == r"\S"  # not blank


def test_phone_pattern_is_the_servers(api):
    phone = prop("CustomerCreateIn", "phone_number")["anyOf"][0]
    assert phone["pattern"] == PHONE_PATTERN
    for value in ("+1 415 555 0134", "0082 10-1234-5678", "", "(+44) 20 7946 0958"):
        assert re.search(PHONE_PATTERN, value)
    assert_422(api.post("/customers", {"email": "a@b.co", "name": "A", "phone_number": "0" * 39}))


def test_wallet_currencies_are_an_enum(api, customer):
    assert prop("LedgerEntryIn", "currency")["enum"] == ["USD", "INR"]
    body = {"amount": 1, "currency": "AED", "entry_type": "credit"}
    assert_422(api.post(f"/customers/{customer.pk}/wallets/ledger-entries", body), "currency")


def test_integer_bounds_are_json_schema_keywords():
    limit = prop("LicenseKeyPatchIn", "activations_limit")["anyOf"][0]
    assert (limit["minimum"], limit["maximum"]) == (0, 2**31 - 1)
    amount = prop("RefundItemIn", "amount")["anyOf"][0]
    assert (amount["exclusiveMinimum"], amount["maximum"]) == (0, 2**63 - 1)


@pytest.mark.parametrize("amount", [100, 100.0])
def test_an_integral_number_is_an_integer_as_json_schema_says(api, customer, amount):
    body = {"amount": amount, "currency": "USD", "entry_type": "credit"}
    response = api.post(f"/customers/{customer.pk}/wallets/ledger-entries", body)
    assert response.status_code == 200


def test_metadata_rules_are_stated():
    metadata = prop("CustomerCreateIn", "metadata")["anyOf"][0]
    assert metadata["maxProperties"] == 50
    assert metadata["propertyNames"]["maxLength"] == 40
    number = metadata["additionalProperties"]["anyOf"][1]
    assert (number["minimum"], number["maximum"]) == (-(2**63), 2**63 - 1)


def test_portal_return_url_pattern(api, customer):
    operation = SCHEMA["paths"]["/api/customers/{customer_id}/customer-portal/session"]["post"]
    param = next(p for p in operation["parameters"] if p["name"] == "return_url")
    pattern = param["schema"]["anyOf"][0]["pattern"]
    path = f"/customers/{customer.pk}/customer-portal/session"
    for url, ok in [("https://0.a", True), ("ftp://x.com", False), ("https://a b", False)]:
        assert bool(re.search(pattern, url)) is ok
        response = api.client.post(
            f"/api{path}?return_url={url}", headers={"Authorization": f"Bearer {api.key}"}
        )
        assert (response.status_code == 200) is ok, (url, response.content)


def test_subscription_patch_states_what_it_refuses(api, billing):
    patch = COMPONENTS["SubscriptionPatchIn"]
    assert patch["properties"]["pause"]["not"] == {}
    assert patch["properties"]["customer_business_name"]["type"] == "null"
    # details only when cancelling; paused/active alone; no cancellation with updates
    assert len(patch["allOf"]) == 3
    sub = billing["subscription"]
    assert_422(api.patch(f"/subscriptions/{sub.pk}", {"pause": None}), "pause")
    alone = {"status": "active", "cancel_reason": "cancelled_by_customer"}
    assert_422(api.patch(f"/subscriptions/{sub.pk}", alone), "alone")
    mixed = {"status": "cancelled", "metadata": {"a": "b"}}
    assert_422(api.patch(f"/subscriptions/{sub.pk}", mixed), "cancellation")
    assert api.patch(f"/subscriptions/{sub.pk}", {"status": "active"}).status_code == 200
    assert api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"}).status_code == 200
    assert api.patch(f"/subscriptions/{sub.pk}", {"status": "cancelled"}).status_code == 200
    response = api.patch(f"/subscriptions/{sub.pk}", {"status": "active"})
    assert response.status_code == 409 and response.json()["code"] == "SUBSCRIPTION_NOT_PAUSED"


def _patterns(schema) -> set[str]:
    """Every `pattern` anywhere in a JSON schema fragment."""
    if isinstance(schema, dict):
        found = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
        return found.union(*(_patterns(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_patterns(value) for value in schema))
    return set()


def test_every_pattern_the_server_checks_is_in_the_schema(api, billing):
    """A pattern pydantic checks but leaves out of the schema (it does on a type with a
    validator) refuses requests the schema calls valid: a subscription's billing
    country was one (schemathesis found "i𦽨" refused on PATCH /subscriptions/{id})."""
    checked = set()
    for name, component in COMPONENTS.items():
        model = next(
            (m for m in _api_models() if m.__name__ == name and hasattr(m, "model_fields")), None
        )
        for field_name, field in (model.model_fields if model else {}).items():
            for meta in _metadata(field):
                pattern = getattr(meta, "pattern", None)
                if isinstance(pattern, str):
                    checked.add((name, field_name))
                    assert pattern in _patterns(component["properties"][field_name]), (
                        name,
                        field_name,
                    )
    assert ("BillingAddressIn", "country") in checked
    body = {"billing": {"country": "kr"}}
    response = api.patch(f"/subscriptions/{billing['subscription'].pk}", body)
    assert_422(response, "country")


def _metadata(field):
    yield from field.metadata
    annotation = field.annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from getattr(arg, "__metadata__", ())


def _api_models():
    from ninja import Schema

    seen, stack = set(), [Schema]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen
