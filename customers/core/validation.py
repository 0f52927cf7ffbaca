"""Field rules shared by the dashboard forms, the API and the services."""

import phonenumbers
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500


def normalize_phone(raw: str, *, region: str = "") -> str:
    """Return the E.164 form (``+821012345678``) of a phone number, or ''.

    With the business's country as `region` ("KR"), national formats are read too
    ("010 1234 5678"); without one, the number needs its + and country code. Parsed
    and checked with `phonenumbers` (Google's libphonenumber metadata).
    """
    value = (raw or "").strip()
    if not value:
        return ""
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
    try:
        locale = Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    return locale.territories.get((region or "").upper(), region)


def phone_example(region: str) -> str:
    """A mobile number as people write it in the country ("010-2000-0000" in KR)."""
    example = phonenumbers.example_number_for_type(
        (region or "").upper() or None, phonenumbers.PhoneNumberType.MOBILE
    )
    if example is None:
        return "+1 415 555 0134"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_metadata(value) -> dict:
    """Metadata is a flat object: at most 50 keys; keys and values are short strings,
    values may also be numbers or booleans (as in the API contract)."""
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
        if len(key) > METADATA_KEY_MAX_LENGTH:
            raise ValidationError(
                _("Metadata key “%(key)s…” is longer than %(max)d characters."),
                code="key_length",
                params={"key": key[:20], "max": METADATA_KEY_MAX_LENGTH},
            )
        if isinstance(item, bool | int | float):
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
    return value
