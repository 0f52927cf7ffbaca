"""Phone numbers and metadata (customers.core.validation)."""

import pytest
from django.core.exceptions import ValidationError

from customers.core.validation import normalize_phone, validate_metadata


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+82 10-1234-5678", "+821012345678"),
        ("+1 (415) 555-0134", "+14155550134"),
        ("0044 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["010-1234-5678", "+0 123", "+1 555", "call me", "+1234567890123456"]
)
def test_phone_numbers_without_a_country_code_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010 1234 5678", "+821012345678"),
        ("010-1234-5678", "+821012345678"),
        ("02-312-3456", "+8223123456"),
        ("+1 415 555 0134", "+14155550134"),  # an international number still works
    ],
)
def test_national_numbers_are_read_with_the_business_country(raw, expected):
    assert normalize_phone(raw, region="KR") == expected


def test_a_national_number_that_is_not_valid_says_how_to_write_it():
    with pytest.raises(ValidationError) as caught:
        normalize_phone("010 12", region="KR")
    assert "010-2000-0000" in caught.value.messages[0]


def test_metadata_rules():
    assert validate_metadata({"plan": "pro", "seats": 3, "beta": True}) == {
        "plan": "pro",
        "seats": 3,
        "beta": True,
    }
    for bad in (
        {"": "x"},
        {"k" * 41: "x"},
        {"k": "v" * 501},
        {"k": ["list"]},
        ["not", "a", "dict"],
    ):
        with pytest.raises(ValidationError):
            validate_metadata(bad)
    with pytest.raises(ValidationError) as exc_info:
        validate_metadata({str(i): "v" for i in range(51)})
    assert exc_info.value.code == "MAXIMUM_KEYS_REACHED"
