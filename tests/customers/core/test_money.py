"""Amounts in minor units: parsing what a person typed, formatting for the locale
(customers.core.money)."""

import pytest
from babel import Locale
from babel.numbers import format_currency
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.core.locales import PORTAL_LANGUAGES
from customers.core.money import (
    MAX_MINOR_UNITS,
    _babel_locale,
    format_money,
    parse_amount,
    to_decimal,
)


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


@pytest.mark.parametrize(
    ("raw", "locale", "minor"),
    [
        ("12.50", "en_US", 1250),
        ("1,234.50", "en_US", 123450),
        (" 1,234 ", "ko_KR", 123400),
        ("12,34,567", "en_IN", 1234567 * 100),
        ("12,50", "de_DE", 1250),
        ("1.234,50", "de_DE", 123450),
        (".5", "en_US", 50),
        ("12.500", "en_US", 1250),
    ],
)
def test_amounts_are_read_by_the_persons_locale(raw, locale, minor):
    assert parse_amount(raw, "USD", locale=Locale.parse(locale)) == minor


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12,50", "ambiguous"),  # neither 12.50 nor 1,250: asked, not guessed
        ("1,5", "ambiguous"),
        ("1,2345", "ambiguous"),
        ("1.2.3", "ambiguous"),
        ("1e3", "invalid"),
        ("1E3", "invalid"),
        ("1_0", "invalid"),
        ("١", "invalid"),  # Arabic-Indic digit one
        ("１", "invalid"),  # full-width digit one
        (" 1 0 ", "invalid"),
        ("$12", "invalid"),
        ("Infinity", "invalid"),
        ("-5", "min_value"),
        ("0.00", "min_value"),
    ],
)
def test_ambiguous_and_foreign_amounts_are_refused_with_a_reason(raw, code):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_amount(raw, "USD")
    assert caught.value.code == code


def test_the_ambiguity_message_shows_how_to_write_it():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_amount("12,50", "USD")
    message = caught.value.messages[0]
    assert "12.50" in message and "“.”" in message
    with translation.override("ko"):
        assert parse_amount("12.50", "USD") == 1250
        with pytest.raises(ValidationError):
            parse_amount("12,50", "USD")


@pytest.mark.parametrize(
    ("language", "usd", "inr"),
    [
        ("ja", "$1,234.50", "₹123,456.00"),
        ("zh-hans", "US$1,234.50", "₹123,456.00"),
        ("hi", "$1,234.50", "₹1,23,456.00"),
        ("es", "1.234,50\xa0US$", "123.456,00\xa0INR"),
        ("fr", "1\u202f234,50\xa0$US", "123\u202f456,00\xa0₹"),
        ("de", "1.234,50\xa0$", "123.456,00\xa0₹"),
        ("pt-br", "US$\xa01.234,50", "₹\xa0123.456,00"),
        ("id", "US$1.234,50", "Rs123.456,00"),
    ],
)
def test_each_portal_language_writes_money_its_own_way(language, usd, inr):
    """Separators, symbol and its side as Babel (CLDR) has them for the language; Hindi
    groups by lakh."""
    with translation.override(language):
        assert (format_money(123450, "USD"), format_money(12345600, "INR")) == (usd, inr)


# Every language a page can be in, and currencies of 0, 2 and 3 minor digits.
LANGUAGES = [code for code, _name in PORTAL_LANGUAGES] + ["en-gb", "xx"]
CURRENCIES = ["USD", "INR", "KRW", "EUR", "GBP", "JPY", "KWD", "BRL", "IDR", "CHF", "VND"]


@settings(max_examples=300, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    currency=st.sampled_from(CURRENCIES),
    amount=st.integers(min_value=-MAX_MINOR_UNITS, max_value=MAX_MINOR_UNITS)
    | st.integers(min_value=-100_000, max_value=100_000),
)
def test_money_is_written_exactly_as_babel_writes_it(language, currency, amount):
    """format_money writes from a pattern read off Babel once per language and
    currency; the text is Babel's own, for any amount, sign and grouping."""
    with translation.override(language):
        locale = _babel_locale(currency)
        expected = format_currency(to_decimal(amount, currency), currency, locale=locale)
        assert format_money(amount, currency.lower()) == expected
