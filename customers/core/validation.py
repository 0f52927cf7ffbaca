"""Field rules shared by the dashboard forms, the API and the services."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500
_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str) -> str:
    """Return the E.164 form (``+821012345678``) of an international number, or ''."""
    value = _PHONE_SEPARATORS.sub("", raw or "")
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    if not _E164.match(value):
        raise ValidationError(
            _(
                "Enter the number in international format, starting with + and the country code, "
                "e.g. +1 415 555 0134."
            ),
            code="invalid_phone",
        )
    return value


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
