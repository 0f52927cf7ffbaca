"""Money: integer minor units plus an ISO 4217 code; never floats.

`parse_amount("12.50", "USD") == 1250` (read by the person's locale: "12,50" is
refused in English and means 12.50 in German); `format_money(1250, "USD") == "$12.50"`.
Formatting uses Babel, with the digit grouping people expect for the currency
(`₹1,23,456.00` for INR).
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
)
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The locale whose grouping suits each currency when shown in English.
_CURRENCY_LOCALES = {"INR": "en_IN", "KRW": "ko_KR", "EUR": "en_IE", "GBP": "en_GB"}
MAX_MINOR_UNITS = 2**63 - 1
# Where each language is read when its tag names no country ("zh-hans" -> zh_Hans_CN).
_DEFAULT_TERRITORY = {
    "en": "US",
    "ko": "KR",
    "de": "DE",
    "fr": "FR",
    "ja": "JP",
    "zh": "CN",
    "hi": "IN",
    "es": "ES",
    "pt": "BR",
    "id": "ID",
}


def minor_digits(currency: str) -> int:
    return get_currency_precision(currency.upper())


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_digits(currency))


def user_locale() -> Locale:
    """The Babel locale of the language the person is using (en -> en_US, ko -> ko_KR)."""
    return _locale_of_language(translation.get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=64)
def _locale_of_language(language: str) -> Locale:
    """Parsed once per language: a page formats hundreds of amounts and dates, and
    Babel would parse the locale's name for each of them."""
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en_US")
    if not locale.territory:
        territory = _DEFAULT_TERRITORY.get(locale.language, "US")
        script = f"_{locale.script}" if locale.script else ""
        locale = Locale.parse(f"{locale.language}{script}_{territory}")
    return locale


def amount_example(locale: Locale | None = None) -> str:
    """How twelve and a half is written where the person is ("12.50", "12,50")."""
    return format_decimal(Decimal("12.50"), format="0.00", locale=locale or user_locale())


def _grouped(integer: str, group: str) -> bool:
    """A whole part with group separators, grouped by threes (1,234,567) or the Indian
    way (12,34,567); anything else ("12,50", "1,,0") is not a grouping."""
    parts = integer.split(group)
    head, tail = parts[0], parts[1:]
    if not tail:
        return True
    if not (1 <= len(head) <= 3) or len(tail[-1]) != 3:
        return False
    middle = tail[:-1]
    return all(len(p) == 3 for p in middle) or all(len(p) == 2 for p in middle)


def parse_amount(raw: str, currency: str, *, locale: Locale | None = None) -> int:
    """Parse what a person typed into minor units (> 0), by their locale: "12.50" and
    "1,234.50" in English and Korean, "12,50" and "1.234,50" in German.

    Only ASCII digits, the locale's decimal symbol (once) and its group separator
    between well-formed groups are read. Everything else is refused with a message
    rather than guessed: exponents ("1e3"), "1_0", other scripts' digits ("١", "１"),
    inner spaces (" 1 0 "), and a separator the locale does not use for decimals in
    a decimal's place ("12,50" in English is neither 12.50 nor 1,250).
    """
    locale = locale or user_locale()
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    if group.isspace():
        group = " "  # French and others group with a (narrow) no-break space
    text = (raw or "").strip()
    if text.startswith("-") and text[1:].strip():
        raise ValidationError(_("Enter an amount greater than zero."), code="min_value")
    example = amount_example(locale)
    invalid = ValidationError(
        _("Enter an amount with digits only, such as %(example)s."),
        code="invalid",
        params={"example": example},
    )
    if group == " ":
        text = text.replace("\u00a0", " ").replace("\u202f", " ")
    allowed = set("0123456789") | {decimal, group}
    if not text or any(ch not in allowed for ch in text) or not any(ch.isdigit() for ch in text):
        raise invalid
    integer, _sep, fraction = text.partition(decimal)
    if decimal in fraction or group in fraction or not _grouped(integer, group):
        raise ValidationError(
            _(
                "“%(raw)s” is ambiguous here: write decimals with “%(decimal)s”, "
                "as in %(example)s, and use “%(group)s” only between thousands."
            ),
            code="ambiguous",
            params={"raw": text, "decimal": decimal, "group": group, "example": example},
        )
    value = Decimal(f"{integer.replace(group, '') or '0'}.{fraction or '0'}")
    digits = minor_digits(currency)
    if len(fraction.rstrip("0")) > digits:
        raise ValidationError(
            _("%(currency)s amounts have at most %(digits)d decimal places."),
            code="precision",
            params={"currency": currency, "digits": digits},
        )
    if value <= 0:
        raise ValidationError(_("Enter an amount greater than zero."), code="min_value")
    minor = int(value.scaleb(digits))
    if minor > MAX_MINOR_UNITS:
        raise ValidationError(_("That amount is too large."), code="max_value")
    return minor


def _babel_locale(currency: str) -> Locale:
    """The locale an amount in `currency` is written by in the active language."""
    return _currency_locale(translation.get_language() or "en", currency.upper())


@functools.lru_cache(maxsize=256)
def _currency_locale(language: str, currency: str) -> Locale:
    """English is written with the grouping the currency's country uses (₹1,23,456.00);
    every other language its own way ("1.234,50 $" in German, "US$1,234.50" in Korean)."""
    if language.startswith("en"):
        return Locale.parse(_CURRENCY_LOCALES.get(currency, "en_US"))
    return _locale_of_language(language)


def format_money(amount: int, currency: str) -> str:
    """`format_money(1250, "USD")`: "$12.50" in English, "12,50 $" in German,
    "US$12.50" in Korean — in the active language, as Babel writes it."""
    language, currency = translation.get_language() or "en", currency.upper()
    writer = _money_writer(language, currency)
    if writer is None:
        locale = _currency_locale(language, currency)
        return format_currency(to_decimal(amount, currency), currency, locale=locale)
    return writer.write(amount)


@dataclass(frozen=True)
class _MoneyWriter:
    """One locale's way of writing one currency, read off Babel once (`_money_writer`)
    and then applied with integer arithmetic: Babel re-reads the locale's pattern,
    symbols and currency data for every amount (about 14 µs; a chart's page writes
    over a hundred amounts), `format_money` with it about 3 µs."""

    digits: int  # the currency's minor-unit digits
    grouping: tuple[int, int]  # the first group's size, then the others' (3, 2 in India)
    group: str
    decimal: str
    affixes: tuple[tuple[str, str], tuple[str, str]]  # (prefix, suffix): positive, negative

    def write(self, amount: int) -> str:
        whole, fraction = divmod(abs(amount), 10**self.digits)
        text, size = str(whole), self.grouping[0]
        groups = []
        while len(text) > size:
            groups.append(text[-size:])
            text, size = text[:-size], self.grouping[1]
        number = self.group.join([text, *reversed(groups)])
        if self.digits:
            number += self.decimal + str(fraction).zfill(self.digits)
        prefix, suffix = self.affixes[amount < 0]
        return prefix + number + suffix


@functools.lru_cache(maxsize=256)
def _money_writer(language: str, currency: str) -> _MoneyWriter | None:
    """The writer of a currency in a language, or None where Babel's text is not a
    number between a fixed prefix and suffix (then Babel writes every amount)."""
    locale = _currency_locale(language, currency)
    pattern = locale.currency_formats["standard"]
    if pattern.scale or pattern.exp_prec or "@" in pattern.pattern or pattern.int_prec[0] != 1:
        return None
    digits = get_currency_precision(currency)
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    one = "1" + (decimal + "0" * digits if digits else "")
    affixes = []
    for sign in (1, -1):
        written = format_currency(Decimal(sign), currency, locale=locale)
        if written.count(one) != 1:
            return None
        prefix, _one, suffix = written.partition(one)
        affixes.append((prefix, suffix))
    writer = _MoneyWriter(digits, tuple(pattern.grouping[:2]), group, decimal, tuple(affixes))
    for probe in (123456789012345, -98765432100, 7, -5, 0):  # Babel's own text, or no writer
        if writer.write(probe) != format_currency(
            to_decimal(probe, currency), currency, locale=locale
        ):
            return None
    return writer


def money_text(amount: int | None, currency: str) -> str:
    """`format_money` for a page, where an amount may be missing (blank then): the
    `money` filter of the Django templates and of the Jinja2 fragments."""
    return format_money(amount, currency) if amount is not None else ""


def format_price(value: Decimal, currency: str) -> str:
    """A unit price in major units that may be finer than the minor unit ("$0.002" per
    credit): as `format_money`, keeping every digit the price has."""
    return format_currency(
        value.normalize(),
        currency.upper(),
        locale=_babel_locale(currency),
        decimal_quantization=False,
    )
