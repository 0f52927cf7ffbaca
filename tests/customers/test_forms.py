"""The dashboard's customer form: the metadata textarea follows the API's metadata
rules (customers.core.validation), whatever is typed into it."""

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db

HOSTILE_METADATA = [
    ('{"a": "\\u0000"}', "invalid characters"),
    ('{"a": "\\udfff"}', "invalid characters"),
    ("NaN", "must be a JSON object"),
    ('{"a": NaN}', "must be a JSON object"),
    ('{"a": Infinity}', "must be a JSON object"),
    ('{"a": -Infinity}', "must be a JSON object"),
    ('{"a": 1e999}', "must be a number between"),
    ("[" * 5000, "must be a JSON object"),
    ('{"a": [' * 5000, "must be a JSON object"),
    ('{"a": ' + "9" * 4301 + "}", "must be a JSON object"),
    ('{"a": 9223372036854775808}', "must be a number between"),
    ('{"a": -9223372036854775809}', "must be a number between"),
    ('{"a": 1e300}', "must be a number between"),
    ('{"a": {"b": 1}}', "must be text, a number or true/false"),
]


def test_hostile_metadata_is_a_form_error(owner_client, customer):
    wrong = []
    for metadata, message in HOSTILE_METADATA:  # one login for all (hashing is slow)
        response = owner_client.post(
            reverse("customers:edit", args=[customer.pk]),
            {"name": "Ada", "email": customer.email, "metadata": metadata},
        )
        if response.status_code != 200 or message not in response.content.decode():
            wrong.append((metadata[:30], response.status_code))
    assert wrong == []
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace" and customer.metadata == {}


def test_int64_bounds_are_accepted(owner_client, business):
    metadata = '{"max": 9223372036854775807, "min": -9223372036854775808, "ratio": 0.5}'
    response = owner_client.post(
        reverse("customers:create"), {"name": "Ada", "email": "a@example.com", "metadata": metadata}
    )
    assert response.status_code == 302
    assert Customer.objects.get().metadata["max"] == 2**63 - 1
