"""Amounts in minor units: parsing what a person typed, formatting for the locale
(customers.core.money)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.core.money import format_money, parse_amount


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
