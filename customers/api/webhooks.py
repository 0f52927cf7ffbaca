"""Webhook endpoints (the official client's `client.webhooks`): create, list (cursor
pages), get, update, delete, the signing secret and custom headers.

Every type an endpoint can receive and its payload are described in `DESCRIPTION`,
which the API's OpenAPI description includes.
"""

from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from customers.api.common import (
    ERRORS,
    NON_BLANK,
    BodySchema,
    Out,
    QueryText,
    Text,
    actor_of,
    get_scoped,
    integer,
)
from customers.core.errors import ReadOnlyApiKey
from customers.core.validation import HTTP_URL_PATTERN
from customers.models import WebhookEndpoint
from customers.webhooks import services
from customers.webhooks.events import TEST_TYPE, WEBHOOK_TYPES
from wallets.credits.schemas import CreditBalanceLowOut

router = Router(tags=["Webhooks"])

DESCRIPTION = (
    """
**Webhooks.** Endpoints are managed at `/webhooks` (the official client's
`client.webhooks`). Each delivery is a `POST` of
`{"business_id", "type", "timestamp", "data"}` signed per
[Standard Webhooks](https://www.standardwebhooks.com/): headers `webhook-id` (the
message ID, the same on every retry), `webhook-timestamp` (Unix seconds of this try)
and `webhook-signature` (`v1,<base64 HMAC-SHA256>`; for 24 hours after a rotation,
two signatures separated by a space). Verify with
`client.webhooks.unwrap(body, headers=headers, key=secret)`. Retries: immediately,
then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; a 2xx ends them; messages reach an
endpoint in order. An endpoint failing every try for 5 days is disabled.
`filter_types` empty means every type. Lists page with `iterator` (the last ID seen)
and `limit` (1–100, default 10) and answer `{data, iterator, done}`.
Extension: `POST /webhooks/{webhook_id}/secret/rotate`. `GET …/secret` and
`…/secret/rotate` need a read-write key. Header names containing authorization,
cookie, token, secret, key, password or signature are `sensitive`: their values are
never returned. `rate_limit` is stored and returned, not enforced yet.

Event types (`type`) and their `data`:
"""
    + "\n".join(f"- `{name}`: {text}" for name, text in WEBHOOK_TYPES.items())
    + f"\n- `{TEST_TYPE}`: `{{endpoint_id, message}}`, sent by the dashboard's test button.\n"
)

FilterType = Literal[tuple(sorted(WEBHOOK_TYPES))]

# `data` of each type, as a schema of the API's components (OpenAPI 3.1 `webhooks`).
_DATA_SCHEMA = {
    "payment": "PaymentOut",
    "refund": "RefundOut",
    "subscription": "SubscriptionOut",
    "license_key": "LicenseKeyOut",
    "customer": "CustomerOut",
    "credit": "CreditLedgerEntryOut",
}


# Dodo's dunning payload (dunning.started, dunning.recovered).
DUNNING_SCHEMA = {
    "type": "object",
    "required": ["brand_id", "created_at", "customer_id", "status", "subscription_id"],
    "properties": {
        "brand_id": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "customer_id": {"type": "string"},
        "status": {"enum": ["recovering", "recovered", "exhausted"]},
        "subscription_id": {"type": "string"},
        "trigger_state": {"enum": ["on_hold", "cancelled", "past_due"]},
        "payment_id": {"type": ["string", "null"]},
    },
}


def _data_schema(webhook_type: str) -> dict:
    if webhook_type == "credit.balance_low":  # no operation returns it: inlined
        return CreditBalanceLowOut.model_json_schema()
    family = webhook_type.rsplit(".", 1)[0]
    if family == "customer.wallet":
        return {
            "type": "object",
            "required": ["entry", "wallet"],
            "properties": {
                "entry": {"$ref": "#/components/schemas/LedgerEntryOut"},
                "wallet": {"$ref": "#/components/schemas/WalletOut"},
            },
        }
    if family == "dunning":
        return DUNNING_SCHEMA
    return {"$ref": f"#/components/schemas/{_DATA_SCHEMA[family]}"}


def openapi_webhooks() -> dict:
    """The OpenAPI 3.1 `webhooks` object: one POST per event type we send."""
    found = {}
    for name, text in WEBHOOK_TYPES.items():
        body = {
            "type": "object",
            "required": ["business_id", "type", "timestamp", "data"],
            "properties": {
                "business_id": {"type": "string"},
                "type": {"const": name},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": _data_schema(name),
            },
        }
        found[name] = {
            "post": {
                "summary": name,
                "description": text + " Signed per Standard Webhooks (see the description).",
                "requestBody": {"content": {"application/json": {"schema": body}}},
                "responses": {"200": {"description": "Any 2xx ends the retries."}},
            }
        }
    return found


class WebhookOut(Out):
    id: str = Field(..., examples=["ep_0NXqZ7dO3tS0fX6pE9zV4yRcG"])
    url: str
    description: str
    metadata: dict[str, str]
    disabled: bool
    filter_types: list[str] = Field(..., description="Empty: every type.")
    rate_limit: int | None = None
    created_at: str
    updated_at: str


class WebhookListOut(Out):
    data: list[WebhookOut]
    iterator: str | None = Field(None, description="Pass as `iterator` for the next page.")
    done: bool


# The rules the services enforce, stated in the schema.
Url = Annotated[
    Text,
    Field(max_length=services.URL_MAX_LENGTH, json_schema_extra={"pattern": HTTP_URL_PATTERN}),
]
HeaderMap = Annotated[
    dict[Annotated[Text, Field(pattern=services.HEADER_NAME_PATTERN)], Text],
    Field(
        json_schema_extra={
            "maxProperties": services.MAX_HEADERS,
            "propertyNames": {"pattern": services.HEADER_NAME_PATTERN},
            "additionalProperties": {
                "type": "string",
                "maxLength": 1000,
                "pattern": services.HEADER_VALUE_PATTERN,
            },
        }
    ),
]
TextMetadata = Annotated[
    dict[Text, Text],
    Field(
        json_schema_extra={
            "maxProperties": 50,
            "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": NON_BLANK},
            "additionalProperties": {"type": "string", "maxLength": 500},
        }
    ),
]
RateLimit = integer(ge=1, le=100_000)


class WebhookCreateIn(BodySchema):
    url: Url
    description: Text | None = Field(None, max_length=500)
    disabled: StrictBool | None = None
    filter_types: list[FilterType] | None = None
    headers: HeaderMap | None = None
    idempotency_key: Text | None = Field(None, max_length=255)
    metadata: TextMetadata | None = None
    rate_limit: RateLimit | None = None


class WebhookPatchIn(BodySchema):
    url: Url | None = None
    description: Text | None = Field(None, max_length=500)
    disabled: StrictBool | None = None
    filter_types: list[FilterType] | None = None
    metadata: TextMetadata | None = None
    rate_limit: RateLimit | None = None


class HeadersIn(BodySchema):
    headers: HeaderMap


class HeadersOut(Out):
    headers: dict[str, str]
    sensitive: list[str] = Field(..., description="Names of headers whose values are hidden.")


class SecretOut(Out):
    secret: str = Field(..., examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class WebhookListParams(Schema):
    iterator: QueryText | None = Field(
        None, max_length=64, description="The last ID of the page before."
    )
    limit: int = Field(10, ge=1, le=100)


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def webhook_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "metadata": {k: str(v) for k, v in (endpoint.metadata or {}).items()},
        "disabled": endpoint.disabled,
        "filter_types": endpoint.filter_types or [],
        "rate_limit": endpoint.rate_limit,
        "created_at": _iso(endpoint.created_at),
        "updated_at": _iso(endpoint.updated_at),
    }


def _endpoints(request):
    return WebhookEndpoint.objects.for_business(request.auth.business_id)


def _endpoint(request, webhook_id: str) -> WebhookEndpoint:
    return get_scoped(_endpoints(request).select_related("business"), webhook_id)


def _writer(request) -> None:
    if request.auth.read_only:
        raise ReadOnlyApiKey()


@router.post("/webhooks", response={200: WebhookOut, **ERRORS})
def create_webhook(request, payload: WebhookCreateIn):
    """Add an endpoint; its secret is at `GET /webhooks/{id}/secret`. The same
    `idempotency_key` returns the endpoint the first request made."""
    endpoint = services.webhook_endpoint_create(
        business=request.auth.business,
        actor=actor_of(request),
        url=payload.url,
        description=payload.description or "",
        disabled=bool(payload.disabled),
        filter_types=payload.filter_types,
        metadata=payload.metadata,
        rate_limit=payload.rate_limit,
        headers=payload.headers,
        idempotency_key=payload.idempotency_key,
    )
    return webhook_out(endpoint)


@router.get("/webhooks", response={200: WebhookListOut, **ERRORS})
def list_webhooks(request, params: Query[WebhookListParams]):
    """Endpoints, oldest first; `iterator` continues after the ID it names."""
    endpoints = _endpoints(request).order_by("id")
    if params.iterator:
        endpoints = endpoints.filter(id__gt=params.iterator)
    rows = list(endpoints[: params.limit + 1])
    done = len(rows) <= params.limit
    rows = rows[: params.limit]
    return {
        "data": [webhook_out(e) for e in rows],
        "iterator": rows[-1].pk if rows else None,
        "done": done,
    }


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request, webhook_id: str):
    return webhook_out(_endpoint(request, webhook_id))


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request, webhook_id: str, payload: WebhookPatchIn):
    """Change the fields sent. `null` clears `description`, `filter_types` (every type),
    `metadata` and `rate_limit`; `url` and `disabled` cannot be null."""
    endpoint = _endpoint(request, webhook_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    for name in ("url", "disabled"):
        if name in changes and changes[name] is None:
            del changes[name]
    endpoint = services.webhook_endpoint_update(
        endpoint=endpoint, actor=actor_of(request), changes=changes
    )
    return webhook_out(endpoint)


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request, webhook_id: str):
    """Delete an endpoint with its delivery log."""
    services.webhook_endpoint_delete(
        endpoint=_endpoint(request, webhook_id), actor=actor_of(request)
    )
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/secret", response={200: SecretOut, **ERRORS})
def get_webhook_secret(request, webhook_id: str):
    """The current signing secret (`whsec_…`). Needs a read-write key."""
    _writer(request)
    return {"secret": _endpoint(request, webhook_id).secret}


@router.post("/webhooks/{webhook_id}/secret/rotate", response={200: SecretOut, **ERRORS})
def rotate_webhook_secret(request, webhook_id: str):
    """Extension: a new secret; the previous one also signs for 24 hours."""
    endpoint = services.webhook_secret_rotate(
        endpoint=_endpoint(request, webhook_id), actor=actor_of(request)
    )
    return {"secret": endpoint.secret}


def headers_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    headers = endpoint.headers or {}
    sensitive = sorted(name for name in headers if services.is_sensitive(name))
    return {
        "headers": {k: v for k, v in headers.items() if k not in sensitive},
        "sensitive": sensitive,
    }


@router.get("/webhooks/{webhook_id}/headers", response={200: HeadersOut, **ERRORS})
def get_webhook_headers(request, webhook_id: str):
    """Custom headers sent with every delivery; sensitive values are left out."""
    return headers_out(_endpoint(request, webhook_id))


@router.patch("/webhooks/{webhook_id}/headers", response={200: HeadersOut, **ERRORS})
def update_webhook_headers(request, webhook_id: str, payload: HeadersIn):
    """Add or replace the headers given; others stay."""
    endpoint = services.webhook_headers_update(
        endpoint=_endpoint(request, webhook_id), actor=actor_of(request), headers=payload.headers
    )
    return headers_out(endpoint)
