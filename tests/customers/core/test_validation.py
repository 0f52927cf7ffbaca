import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.core.money import format_money, parse_amount
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


def test_money_is_parsed_into_minor_units_and_formatted_with_babel():
    assert parse_amount("12.50", "USD") == 1250
    assert parse_amount("1,234", "INR") == 123400
    with translation.override("en"):
        assert format_money(123450, "USD") == "$1,234.50"
        assert format_money(12345600, "INR") == "₹1,23,456.00"
    with translation.override("ko"):
        assert format_money(123450, "USD") == "US$1,234.50"


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "12.345", "NaN", "1e400"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_amount(raw, "USD")
