"""What every router of the JSON API shares: the contract's types and validators,
the base schemas, scoped lookups and bounded pagination.

Field names, types and required-ness follow `api-contract.md` (Dodo Payments'
public API): every key the contract marks required is always sent; concepts we do
not model are sent as null, [] or a documented constant. Input schemas ignore keys
they do not know, so a newer client's extra fields do not break a request.

Lists are served newest first in a total order (`-created_at, -id`) from the
`(business, created_at, id)` indexes, with LIMIT/OFFSET and no COUNT. OFFSET is
capped at `settings.API_OFFSET_CAP` rows (10,000 by default): a page that starts
past it returns `{"items": []}`, so a deep scan never degrades into reading
millions of index entries. Narrow with `created_at_lte` to go further back.
"""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from customers.audit import Actor
from customers.core.errors import DomainError
from customers.core.validation import (
    INT64_MAX,
    INT64_MIN,
    METADATA_KEY_MAX_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_LENGTH,
    PHONE_PATTERN,
    normalize_phone,
    text_problem,
    validate_metadata,
)
from customers.models import LOCALE_CHOICES

INT32_MAX = 2**31 - 1  # PositiveIntegerField on PostgreSQL

# The contract's 145 ISO 4217 codes (api-contract.md §4).
CURRENCIES = (  # noqa: SIM905 (a list literal would be 145 lines)
    "AED ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN "
    "BZD CAD CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD JMD JOD JPY KES KGS KHR KMF KRW "
    "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR "
    "MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD "
    "SCR SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SZL THB TND TOP TRY TTD TWD TZS UAH UGX USD "
    "UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW"
).split()
Currency = Literal[tuple(CURRENCIES)]
Locale = Literal[tuple(code for code, _name in LOCALE_CHOICES)]


def _storable(value: str) -> str:
    """The one text rule of the API (customers.core.validation.text_problem)."""
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _storable_before(value: Any) -> Any:
    """Checked before the type: pydantic's own refusal of a lone surrogate does not
    say what is wrong."""
    return _storable(value) if isinstance(value, str) else value


def _integral(value: Any) -> Any:
    """JSON Schema's integer: 3 and 3.0 alike; never true, "3" or 3.5 (StrictInt after)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _not_blank(value: str) -> str:
    """Surrounding whitespace is dropped; what is left must not be empty."""
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _django_message(exc: DjangoValidationError) -> str:
    return str(exc.messages[0]) if exc.messages else "is not valid"


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_phone(value) or None
    except DjangoValidationError as exc:
        raise ValueError(_django_message(exc)) from exc


def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("is not a valid e-mail address") from exc
    return value


def _metadata(value: Any) -> Any:
    if value is None:
        return None
    try:
        return validate_metadata(value)
    except DjangoValidationError as exc:
        raise ValueError(_django_message(exc)) from exc


_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _iso_only(value: Any) -> Any:
    """ISO 8601 only: pydantic would also read numbers as Unix timestamps."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.match(value.strip()):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2025-08-04T05:43:19Z")
    return value.strip()


def _aware(value: dt.datetime) -> dt.datetime:
    """In UTC; naive times are read as UTC. (PostgreSQL refuses offsets past ±16 h.)"""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc


# Text the server can store: no NUL, no lone surrogate. The schema cannot say so (JSON
# Schema has no such rule, and a JSON text holding either is still valid JSON).
Text = Annotated[StrictStr, BeforeValidator(_storable_before)]
# A JSON integer: what JSON Schema calls one (3.0 included), without pydantic's lax
# reading of "3" and true.
Integer = Annotated[StrictInt, BeforeValidator(_integral)]


def integer(**bounds):
    """Integer within bounds (ge, gt, le, lt), stated in the schema as JSON Schema's
    minimum/maximum (bounds after the validator are not, in a nullable field)."""
    return Annotated[StrictInt, Field(**bounds), BeforeValidator(_integral)]


QueryText = Annotated[str, BeforeValidator(_storable_before)]


def matching(pattern: str, **field):
    """A text that matches `pattern`, stated in the schema too (pydantic leaves a pattern
    out of the schema of a type with a validator, as Text has)."""
    return Field(pattern=pattern, json_schema_extra={"pattern": pattern}, **field)


# A name: not blank once surrounding whitespace is dropped (and stored stripped).
NON_BLANK = r"\S"
Name = Annotated[
    Text,
    Field(min_length=1, max_length=255, json_schema_extra={"pattern": NON_BLANK}),
    AfterValidator(_not_blank),
]
# An object's public ID as a query filter (customer_id=, product_id=, …).
IdQuery = Annotated[QueryText, Field(max_length=64)]
Email = Annotated[
    Text, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
Phone = Annotated[
    Text,
    Field(
        max_length=40,
        json_schema_extra={"pattern": PHONE_PATTERN},
        description="International format: + (or 00) and the country code, e.g. "
        "+1 415 555 0134; spaces, dots, dashes and brackets are ignored. Empty clears it.",
    ),
    AfterValidator(_phone),
]
# The metadata rules (customers.core.validation.validate_metadata), as JSON Schema.
METADATA_SCHEMA = {
    "type": "object",
    "maxProperties": METADATA_MAX_KEYS,
    "propertyNames": {"maxLength": METADATA_KEY_MAX_LENGTH, "pattern": NON_BLANK},
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": METADATA_VALUE_MAX_LENGTH},
            {"type": "number", "minimum": INT64_MIN, "maximum": INT64_MAX},
            {"type": "boolean"},
        ]
    },
}
Metadata = Annotated[
    dict[str, Any],
    AfterValidator(_metadata),
    WithJsonSchema(METADATA_SCHEMA),
    Field(
        description="Up to 50 keys (1–40 characters, not blank); values are text "
        "(≤ 500 characters), numbers within the 64-bit integer range, or booleans.",
        examples=[{"plan": "pro", "seats": 3}],
    ),
]
AwareDatetime = Annotated[dt.datetime, BeforeValidator(_iso_only), AfterValidator(_aware)]


class BodySchema(Schema):
    """A JSON request body: an object, never a list, string or number."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_an_object(cls, data: Any) -> Any:
        raw = getattr(data, "_obj", data)  # ninja wraps the input in a DjangoGetter
        if not isinstance(raw, dict):
            raise ValueError("the body must be a JSON object")
        return data


class Out(BaseModel):
    """A response body. Plain pydantic, not ninja.Schema: handlers return dicts, and
    validating those directly (without ninja's attribute-getter wrapper) costs a
    fraction of the time on every list item."""


class ErrorOut(Out):
    """Every error: a stable upper-case code and a human message."""

    code: str = Field(..., examples=["NOT_FOUND"])
    message: str = Field(..., examples=["Not found."])


class PageParams(Schema):
    page_number: int = Field(
        0,
        ge=0,
        le=1_000_000_000,
        description="Zero-based page number. Pages that start past the OFFSET cap "
        '(10,000 rows) return `{"items": []}`.',
    )
    page_size: int = Field(
        10, ge=1, le=100, description="Items per page, 1–100 (default 10); others get 422."
    )


class CreatedRange(Schema):
    created_at_gte: AwareDatetime | None = Field(
        None, description="Created at or after (ISO 8601; naive times are UTC)."
    )
    created_at_lte: AwareDatetime | None = Field(
        None, description="Created at or before (ISO 8601; naive times are UTC)."
    )


class ListFilters(PageParams, CreatedRange):
    """What every list takes: the page, and a range of creation times."""


class CustomerLimitedOut(Out):
    customer_id: str = Field(..., examples=["cus_0NXqXc9RmC4JeVHhp3oSuLBOt"])
    email: str
    name: str
    metadata: dict[str, Any] | None = None
    phone_number: str | None = None


def customer_limited(customer) -> dict:
    return {
        "customer_id": customer.pk,
        "email": customer.email,
        "name": customer.name,
        "metadata": customer.metadata or {},
        "phone_number": customer.phone_number or None,
    }


# We do not store billing addresses: `billing.country` is derived from the currency.
_COUNTRY_BY_CURRENCY = {"INR": "IN", "KRW": "KR", "EUR": "DE", "GBP": "GB", "JPY": "JP"}


class BillingAddressOut(Out):
    country: str = Field(
        ...,
        description="As set by PATCH /subscriptions/{id}; else derived from the currency "
        "(INR → IN, USD → US, …).",
    )
    city: str | None = None
    state: str | None = None
    street: str | None = None
    zipcode: str | None = None


def billing_out(currency: str) -> dict:
    return {"country": _COUNTRY_BY_CURRENCY.get(currency, "US")}


# Public IDs: a short prefix, "_", base62 (customers.core.ids); anything else cannot match.
ID_PATTERN = re.compile(r"^[a-z]{2,4}_[0-9A-Za-z]{1,40}$")
# Every operation documents the error statuses it can answer with.
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}
PUBLIC_ERRORS = {code: ErrorOut for code in (403, 404, 422, 429)}


class ApiRequestError(DomainError):
    """A request the API refuses before any service runs; 422 unless told otherwise."""

    def __init__(self, message: str, *, code: str = "INVALID_REQUEST_BODY", status: int = 422):
        self.code = code
        self.status = status
        super().__init__(message)


def get_scoped(queryset: QuerySet, pk: str):
    """The row with this public ID in an already scoped queryset, or 404."""
    if not isinstance(pk, str) or not ID_PATTERN.match(pk):
        raise Http404
    found = list(queryset.filter(pk=pk)[:1])  # no ORDER BY, unlike first()
    if not found:
        raise Http404
    return found[0]


def page(queryset: QuerySet, *, page_number: int, page_size: int) -> list:
    """One page of `queryset` (already ordered), or [] past the OFFSET cap."""
    offset = page_number * page_size
    if offset >= settings.API_OFFSET_CAP:
        return []
    return list(queryset[offset : offset + page_size])


def actor_of(request) -> Actor:
    return Actor.api_key(request.auth)


def created_between(queryset, filters):
    if filters.created_at_gte is not None:
        queryset = queryset.filter(created_at__gte=filters.created_at_gte)
    if filters.created_at_lte is not None:
        queryset = queryset.filter(created_at__lte=filters.created_at_lte)
    return queryset


def newest_page(queryset, filters) -> list:
    return page(
        queryset.newest_first(),
        page_number=filters.page_number,
        page_size=filters.page_size,
    )
