"""Money: integer minor units plus an ISO 4217 code; never floats.

`parse_amount("12.50", "USD") == 1250`; `format_money(1250, "USD") == "$12.50"`.
Formatting uses Babel, with the digit grouping people expect for the currency
(`₹1,23,456.00` for INR).
"""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The locale whose grouping suits each currency when shown in English.
_CURRENCY_LOCALES = {"INR": "en_IN", "KRW": "ko_KR", "EUR": "en_IE", "GBP": "en_GB"}
MAX_MINOR_UNITS = 2**63 - 1


def minor_digits(currency: str) -> int:
    return get_currency_precision(currency.upper())


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_digits(currency))


def parse_amount(raw: str, currency: str) -> int:
    """Parse what a person typed ("12.50", "1,234") into minor units; > 0."""
    text = (raw or "").strip().replace(",", "").replace(" ", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter an amount such as 12.50."), code="invalid") from exc
    if not value.is_finite():
        raise ValidationError(_("Enter an amount such as 12.50."), code="invalid")
    digits = minor_digits(currency)
    if -value.as_tuple().exponent > digits:
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


def _babel_locale(currency: str) -> str:
    language = translation.get_language() or "en"
    if language.startswith("ko"):
        return "ko_KR"
    return _CURRENCY_LOCALES.get(currency.upper(), "en_US")


def format_money(amount: int, currency: str) -> str:
    return format_currency(
        to_decimal(amount, currency), currency.upper(), locale=_babel_locale(currency)
    )
