"""Field rules shared by the dashboard forms, the API and the services.

Text that reaches the database must be storable everywhere: PostgreSQL refuses NUL
characters, and a lone UTF-16 surrogate (JSON's "\udfff") cannot be encoded to
UTF-8 at all. `check_text` is the one rule for both; the API's text types and the
metadata rules use it, and Django's form fields already refuse NUL themselves.
"""

import json
import re

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500
_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# What the phone rule accepts, as the API schema states it (JSON Schema, searched).
_SEP = r"[\s().\-]*"
PHONE_PATTERN = rf"^{_SEP}((\+|0{_SEP}0){_SEP}[1-9]({_SEP}\d){{6,14}}{_SEP})?$"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# An http(s) URL as the API schema states it: the scheme, a host name (no spaces,
# control characters, quotes or angle brackets; at most 253 characters), then any
# path without spaces or controls. The classes are spelt out instead of \s and \S,
# which mean different characters in Python's regexes and in JSON Schema's (ECMA).
_URL_SPACE = r"\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
HTTP_URL_PATTERN = rf"^https?://[^{_URL_SPACE}/?#<>\"'`\\]{{1,253}}([/?#][^{_URL_SPACE}]*)?$"
# Longer metadata text cannot hold 50 short keys and values, however escaped.
METADATA_MAX_TEXT = 200_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if _SURROGATE.search(value):
        return "must not contain lone surrogates (invalid Unicode)"
    return None


def check_text(value: str) -> str:
    """`value` unchanged, or ValidationError when it cannot be stored as text."""
    if text_problem(value):
        raise ValidationError(
            _("Remove the invalid characters (NUL or broken Unicode)."), code="text"
        )
    return value


def normalize_phone(raw: str, *, region: str = "") -> str:
    """Return the E.164 form (``+821012345678``) of a phone number, or ''.

    With the business's country as `region` ("KR"), national formats are read too
    ("010 1234 5678") and checked with `phonenumbers` (Google's libphonenumber
    metadata). Without one (the API), the number needs its + (or 00) and country code
    and is checked for shape only, exactly as `PHONE_PATTERN` (the schema) says:
    separators are ignored, and a value of separators alone clears the number.
    """
    value = (raw or "").strip()
    compact = _PHONE_SEPARATORS.sub("", value)
    if not compact:
        return ""
    if not region:
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if _E164.match(compact):
            return compact
        raise ValidationError(
            _(
                "Enter the number in international format, starting with + and the country code, "
                "e.g. +1 415 555 0134."
            ),
            code="invalid_phone",
        )
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if region:
            raise ValidationError(
                _(
                    "Enter a phone number as it is dialled in the country (%(region)s), "
                    "e.g. %(example)s, or with + and the country code."
                ),
                code="invalid_phone",
                params={"region": country_name(region), "example": phone_example(region)},
            )
        raise ValidationError(
            _(
                "Enter the number in international format, starting with + and the country code, "
                "e.g. +1 415 555 0134."
            ),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_name(region: str) -> str:
    """The country's name in the active language ("South Korea", "대한민국")."""
    return _active_locale().territories.get((region or "").upper(), region)


# The countries phone numbers and addresses know: ISO 3166-1 alpha-2 codes.
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS)


def _active_locale() -> Locale:
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def country_choices() -> list[tuple[str, str]]:
    """Every country phone numbers and addresses know (ISO 3166-1 alpha-2), named in
    the active language and sorted by that name."""
    names = _active_locale().territories
    codes = sorted(COUNTRY_CODES)
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda item: item[1])


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 currencies in use, as "USD — US Dollar" in the active language."""
    locale = _active_locale()
    codes = sorted({c for region in COUNTRY_CODES for c in get_territory_currencies(region)})
    return [(c, f"{c} — {locale.currencies.get(c, c)}") for c in codes]


def phone_example(region: str) -> str:
    """A mobile number as people write it in the country ("010-2000-0000" in KR)."""
    example = phonenumbers.example_number_for_type(
        (region or "").upper() or None, phonenumbers.PhoneNumberType.MOBILE
    )
    if example is None:
        return "+1 415 555 0134"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def _refuse_constant(name: str):
    raise ValueError(name)


def parse_metadata(text: str) -> dict:
    """Metadata typed as JSON text (the dashboard's textarea), checked by
    validate_metadata. Refuses what JSON does not allow but Python's parser reads
    (NaN, Infinity) and input that would exhaust the parser (deep nesting, huge
    numbers) with the same ValidationError as any other bad metadata."""
    text = (text or "").strip()
    if not text:
        return {}
    invalid = ValidationError(
        _('Metadata must be a JSON object, e.g. {"plan": "pro"}.'), code="json"
    )
    if len(text) > METADATA_MAX_TEXT:
        raise invalid
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, NaN, >4,300 digits
        raise invalid from exc
    return validate_metadata(parsed)


def _check_number(key: str, item) -> None:
    """A number is a 64-bit integer's range, integer or not (NaN and infinities fail
    the comparison): the API schema states it as minimum and maximum."""
    if isinstance(item, bool):
        return
    if not INT64_MIN <= item <= INT64_MAX:
        raise ValidationError(
            _("Metadata value for “%(key)s” must be a number between %(min)s and %(max)s."),
            code="value_number",
            params={"key": key, "min": INT64_MIN, "max": INT64_MAX},
        )


def validate_metadata(value) -> dict:
    """Metadata is a flat object: at most 50 keys; keys and values are short strings,
    values may also be numbers within the 64-bit integer range or booleans (as in the
    API contract). Text must be storable (check_text)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Metadata must be an object of keys and values."), code="type")
    if len(value) > METADATA_MAX_KEYS:
        raise ValidationError(
            _("Metadata can have at most %(max)d keys; this has %(count)d."),
            code="MAXIMUM_KEYS_REACHED",
            params={"max": METADATA_MAX_KEYS, "count": len(value)},
        )
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(_("Metadata keys must be non-empty text."), code="key")
        check_text(key)
        if len(key) > METADATA_KEY_MAX_LENGTH:
            raise ValidationError(
                _("Metadata key “%(key)s…” is longer than %(max)d characters."),
                code="key_length",
                params={"key": key[:20], "max": METADATA_KEY_MAX_LENGTH},
            )
        if isinstance(item, bool | int | float):
            _check_number(key, item)
            continue
        if not isinstance(item, str):
            raise ValidationError(
                _("Metadata value for “%(key)s” must be text, a number or true/false."),
                code="value_type",
                params={"key": key},
            )
        if len(item) > METADATA_VALUE_MAX_LENGTH:
            raise ValidationError(
                _("Metadata value for “%(key)s” is longer than %(max)d characters."),
                code="value_length",
                params={"key": key, "max": METADATA_VALUE_MAX_LENGTH},
            )
        check_text(item)
    return value
