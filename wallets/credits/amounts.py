"""Credit amounts: decimal text ("12.5") ↔ integer thousandths (12500), in one place.

Amounts are stored as integers of 1/MILLI credit; an entitlement's precision (0–3)
says how many decimals its amounts may have. No float is ever involved."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from babel.numbers import format_decimal
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from wallets.credits.errors import AmountPrecisionExceeded, InvalidCreditRequest
from wallets.credits.models import MAX_AMOUNT, MILLI

MAX_TEXT = 40  # characters of an amount as text


def step(precision: int) -> int:
    """The smallest amount (in thousandths) an entitlement of `precision` can hold."""
    return MILLI // 10**precision


def parse_credits(raw, precision: int, *, field: str = "amount") -> int:
    """ "12.5" (text, or an int) → 12500 thousandths; > 0, at most `precision`
    decimals, below 10^10 credits. Raises InvalidCreditRequest."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidCreditRequest(_("Enter the amount as a number, e.g. 12.5."), field=field)
    text = str(raw).strip()
    try:
        if len(text) > MAX_TEXT:
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidCreditRequest(
            _("Enter the amount as a number, e.g. 12.5."), field=field
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidCreditRequest(_("The amount must be greater than zero."), field=field)
    scaled = value * 10**precision
    if scaled != scaled.to_integral_value():
        raise AmountPrecisionExceeded(
            _("This credit allows at most %(n)d decimal places.") % {"n": precision}, field=field
        )
    milli = int(value * MILLI)
    if milli > MAX_AMOUNT:
        raise InvalidCreditRequest(
            _("The amount must be below 10,000,000,000 credits."), field=field
        )
    return milli


def credits_text(milli: int, precision: int) -> str:
    """12500 → "12.5" at precision 1, "12.500" at 3: the API's decimal string."""
    value = (Decimal(milli) / MILLI).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_DOWN)
    return str(value)


def credits_display(milli: int, precision: int) -> str:
    """For people: grouped digits in the active language ("1,250.5")."""
    value = (Decimal(milli) / MILLI).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_DOWN)
    locale = to_locale(get_language() or "en")
    pattern = "#,##0" + ("." + "0" * precision if precision else "")
    return format_decimal(value, format=pattern, locale=locale)
