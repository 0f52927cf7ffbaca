"""Credit entitlements: create, update, soft delete, undelete — the one place their
rules are checked (the API, the Settings → Credits form and the tests call these)."""

from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.core.validation import text_problem
from customers.models import Business, Product, TimeInterval
from wallets.credits.errors import InvalidCreditRequest
from wallets.credits.models import (
    MAX_AMOUNT,
    MAX_PRECISION,
    CreditEntitlement,
    OverageBehavior,
    ProductCredit,
)

MAX_DAYS = 36_500  # expiry and rollover periods: up to a hundred years
MAX_COUNT = 1_000  # rollover count and timeframe count
MAX_OVERAGE = 10**10  # whole credits
MAX_THRESHOLDS = 5
PRICE_DIGITS, PRICE_DECIMALS = 24, 12
FIELDS = (
    "name",
    "description",
    "unit",
    "precision",
    "currency",
    "price_per_unit",
    "expires_after_days",
    "rollover_enabled",
    "rollover_percentage",
    "rollover_timeframe_count",
    "rollover_timeframe_interval",
    "max_rollover_count",
    "overage_enabled",
    "overage_limit",
    "overage_behavior",
    "low_balance_thresholds",
)


class InconsistentEntitlement(InvalidCreditRequest):
    """Two fields that do not go together (a price without a currency, half a
    rollover timeframe) — after a PATCH, with what is stored."""

    code = "CREDIT_ENTITLEMENT_INCONSISTENT"


def _text(value, field: str, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or text_problem(value):
        raise InvalidCreditRequest(_("Enter text."), field=field)
    value = value.strip()
    if required and not value:
        raise InvalidCreditRequest(_("This field is required."), field=field)
    if len(value) > max_length:
        raise InvalidCreditRequest(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _int(value, field: str, *, lo: int, hi: int, nullable: bool = True):
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise InvalidCreditRequest(
            _("Enter a whole number from %(lo)s to %(hi)s.") % {"lo": lo, "hi": f"{hi:,}"},
            field=field,
        )
    return value


def _price(value):
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value).strip()) if isinstance(value, str | int | Decimal) else None
    except InvalidOperation:
        price = None
    if (
        price is None
        or not price.is_finite()
        or price < 0
        or -price.as_tuple().exponent > PRICE_DECIMALS
        or abs(price) >= Decimal(10) ** (PRICE_DIGITS - PRICE_DECIMALS)
    ):
        raise InvalidCreditRequest(
            _("Enter a price of 0 or more, with at most 12 decimals."), field="price_per_unit"
        )
    return price


def _thresholds(value) -> list[int]:
    value = value or []
    if (
        not isinstance(value, list)
        or len(value) > MAX_THRESHOLDS
        or any(
            not isinstance(v, int) or isinstance(v, bool) or not 0 < v < MAX_OVERAGE for v in value
        )
        or len(set(value)) != len(value)
    ):
        raise InvalidCreditRequest(
            _("Up to 5 different whole numbers of credits above zero."),
            field="low_balance_thresholds",
        )
    return sorted(value, reverse=True)


def _clean(values: dict, *, creating: bool) -> dict:
    """Each field given in `values` checked and normalised."""
    rules = {
        "name": lambda v: _text(v, "name", max_length=255, required=True),
        "description": lambda v: _text(v, "description", max_length=1000, required=False),
        "unit": lambda v: _text(v, "unit", max_length=100, required=True),
        "precision": lambda v: _int(v, "precision", lo=0, hi=MAX_PRECISION, nullable=False),
        "currency": _currency,
        "price_per_unit": _price,
        "expires_after_days": lambda v: _int(v, "expires_after_days", lo=1, hi=MAX_DAYS),
        "rollover_enabled": lambda v: _bool(v, "rollover_enabled"),
        "rollover_percentage": lambda v: _int(v, "rollover_percentage", lo=0, hi=100),
        "rollover_timeframe_count": lambda v: _int(
            v, "rollover_timeframe_count", lo=1, hi=MAX_COUNT
        ),
        "rollover_timeframe_interval": lambda v: _choice(
            v, "rollover_timeframe_interval", TimeInterval.values
        ),
        "max_rollover_count": lambda v: _int(v, "max_rollover_count", lo=0, hi=MAX_COUNT),
        "overage_enabled": lambda v: _bool(v, "overage_enabled"),
        "overage_limit": lambda v: _int(v, "overage_limit", lo=0, hi=MAX_OVERAGE),
        "overage_behavior": lambda v: _choice(
            v or OverageBehavior.FORGIVE_AT_RESET, "overage_behavior", OverageBehavior.values
        ),
        "low_balance_thresholds": _thresholds,
    }
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise InvalidCreditRequest(_("Unknown field."), field=sorted(unknown)[0])
    if not creating and "precision" in values:
        raise InvalidCreditRequest(_("The precision cannot change."), field="precision")
    return {name: rules[name](value) for name, value in values.items()}


def _currency(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value.strip().upper() not in list_currencies():
        raise InvalidCreditRequest(_("Enter an ISO 4217 currency code."), field="currency")
    return value.strip().upper()


def _bool(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidCreditRequest(_("Enter true or false."), field=field)
    return value


def _choice(value, field: str, choices) -> str:
    if value in (None, ""):
        return ""
    if value not in choices:
        raise InvalidCreditRequest(_("Choose one of the listed values."), field=field)
    return value


def _check_together(entitlement: CreditEntitlement) -> None:
    if entitlement.price_per_unit is not None and not entitlement.currency:
        raise InconsistentEntitlement(_("A price per credit needs a currency."), field="currency")
    if (entitlement.rollover_timeframe_count is None) != (
        not entitlement.rollover_timeframe_interval
    ):
        raise InconsistentEntitlement(
            _("Give the rollover timeframe's count and interval together, or neither."),
            field="rollover_timeframe_count",
        )


def entitlement_create(*, business: Business, actor: Actor, **values) -> CreditEntitlement:
    """A new entitlement; raises InvalidCreditRequest (field named) on bad input."""
    cleaned = _clean(values, creating=True)
    for required in ("name", "unit", "precision"):
        if required not in cleaned:
            raise InvalidCreditRequest(_("This field is required."), field=required)
    entitlement = CreditEntitlement(business=business, **cleaned)
    _check_together(entitlement)
    with transaction.atomic():
        entitlement.save(force_insert=True)
        event_record(entitlement, type="credit_entitlement.created", actor=actor)
    return entitlement


def entitlement_update(
    *, entitlement: CreditEntitlement, actor: Actor, **values
) -> CreditEntitlement:
    """Change the given fields (the precision is fixed at creation)."""
    cleaned = _clean(values, creating=False)
    with transaction.atomic():
        entitlement = CreditEntitlement.objects.select_for_update().get(pk=entitlement.pk)
        for name, value in cleaned.items():
            setattr(entitlement, name, value)
        _check_together(entitlement)
        entitlement.updated_at = timezone.now()
        entitlement.save()
        event_record(
            entitlement,
            type="credit_entitlement.updated",
            actor=actor,
            payload={"fields": sorted(cleaned)},
        )
    return entitlement


def entitlement_delete(*, entitlement: CreditEntitlement, actor: Actor) -> None:
    """Soft delete: hidden from lists and new grants; balances and history stay."""
    _set_deleted(entitlement, timezone.now(), actor, "credit_entitlement.deleted")


def entitlement_undelete(*, entitlement: CreditEntitlement, actor: Actor) -> None:
    _set_deleted(entitlement, None, actor, "credit_entitlement.undeleted")


def _set_deleted(entitlement, moment, actor, event_type) -> None:
    with transaction.atomic():
        entitlement = CreditEntitlement.objects.select_for_update().get(pk=entitlement.pk)
        if (entitlement.deleted_at is None) == (moment is None):
            return  # already so: nothing changes, nothing is recorded
        entitlement.deleted_at = moment
        entitlement.updated_at = timezone.now()
        entitlement.save(update_fields=["deleted_at", "updated_at"])
        event_record(entitlement, type=event_type, actor=actor)


def product_credits_set(
    *, product: Product, entitlement: CreditEntitlement, amount: int, actor: Actor
) -> None:
    """`product` grants `amount` thousandths of `entitlement` per purchase (one-time)
    or per billing period (subscription); 0 detaches it."""
    if product.business_id != entitlement.business_id:
        raise InvalidCreditRequest(_("This product belongs to another business."), field="product")
    if not isinstance(amount, int) or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidCreditRequest(_("Enter an amount of credits."), field="amount")
    with transaction.atomic():
        links = ProductCredit.objects.filter(
            business_id=product.business_id, product=product, entitlement=entitlement
        )
        if amount:
            links.update_or_create(
                business_id=product.business_id,
                product=product,
                entitlement=entitlement,
                defaults={"amount": amount},
            )
        else:
            links.delete()
        event_record(
            entitlement,
            type="credit_entitlement.product_set",
            actor=actor,
            payload={"product_id": product.pk, "amount": amount},
        )
