"""Endpoint management and the operator's actions: every write of the webhooks area.

Each service is keyword-only, one transaction, with its audit Event (whose payload
never holds a secret). The API, the dashboard and admin call these.
"""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.core.errors import InvalidWebhookEndpoint, TooManyWebhookHeaders
from customers.core.tasks import enqueue_on_commit
from customers.core.validation import HTTP_URL_PATTERN, validate_metadata
from customers.models import Business, WebhookDelivery, WebhookEndpoint
from customers.webhooks.events import TEST_TYPE, WEBHOOK_TYPES
from customers.webhooks.outbox import message_send
from customers.webhooks.signing import PREVIOUS_SECRET_LIFETIME, secret_new
from customers.webhooks.tasks import webhook_endpoint_send

MAX_HEADERS = 20
URL_MAX_LENGTH = 2000
HEADER_NAME_PATTERN = r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$"
HEADER_VALUE_PATTERN = r"^[^\r\n\x00]*$"
HEADER_NAME_CHARS = set(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
# Header names whose values the API lists as `sensitive` instead of returning them.
SENSITIVE_WORDS = ("authorization", "cookie", "token", "secret", "key", "password", "signature")
EDITABLE = ("url", "description", "disabled", "filter_types", "metadata", "rate_limit")


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidWebhookEndpoint(_("url: enter the URL that receives the webhooks."))
    value = value.strip()
    if not re.fullmatch(HTTP_URL_PATTERN, value):
        raise InvalidWebhookEndpoint(_("url: enter a valid http or https URL."))
    if len(value) > URL_MAX_LENGTH:
        raise InvalidWebhookEndpoint(_("url: at most 2,000 characters."))
    return value


def _filter_types(value: Any) -> list[str]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InvalidWebhookEndpoint(_("filter_types: a list of event types."))
    unknown = [t for t in value if t not in WEBHOOK_TYPES]
    if unknown:
        raise InvalidWebhookEndpoint(
            _("filter_types: unknown event type %(type)s.") % {"type": unknown[0][:60]}
        )
    return list(dict.fromkeys(value))


def _headers(value: Any) -> dict[str, str]:
    value = value or {}
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        raise InvalidWebhookEndpoint(_("headers: at most 20 name/value pairs."))
    for name, item in value.items():
        if not name or len(name) > 100 or not set(name) <= HEADER_NAME_CHARS:
            raise InvalidWebhookEndpoint(
                _("headers: %(name)s is not a header name.") % {"name": name[:40]}
            )
        if not isinstance(item, str) or len(item) > 1000 or any(c in item for c in "\r\n\x00"):
            raise InvalidWebhookEndpoint(
                _("headers: the value of %(name)s is not valid.") % {"name": name}
            )
    return dict(value)


def _clean(field: str, value: Any) -> Any:
    if field == "url":
        return _url(value)
    if field == "description":
        if value is not None and not isinstance(value, str):
            raise InvalidWebhookEndpoint(_("description: text."))
        return (value or "").strip()[:500]
    if field == "disabled":
        return bool(value)
    if field == "filter_types":
        return _filter_types(value)
    if field == "metadata":
        try:
            validate_metadata(value or {})
        except ValidationError as exc:
            raise InvalidWebhookEndpoint(f"metadata: {exc.messages[0]}") from exc
        return value or {}
    if field == "rate_limit":
        if value is not None and (not isinstance(value, int) or not 0 < value <= 100_000):
            raise InvalidWebhookEndpoint(_("rate_limit: a whole number from 1 to 100000."))
        return value
    raise ValueError(field)


def is_sensitive(name: str) -> bool:
    return any(word in name.lower() for word in SENSITIVE_WORDS)


def webhook_endpoint_create(
    *,
    business: Business,
    actor: Actor,
    url: str,
    description: str = "",
    disabled: bool = False,
    filter_types: list | None = None,
    metadata: dict | None = None,
    rate_limit: int | None = None,
    headers: dict | None = None,
    idempotency_key: str | None = None,
) -> WebhookEndpoint:
    """Add an endpoint with a new secret; the same `idempotency_key` returns the first."""
    values = {
        "url": url,
        "description": description,
        "disabled": disabled,
        "filter_types": filter_types,
        "metadata": metadata,
        "rate_limit": rate_limit,
    }
    fields = {name: _clean(name, value) for name, value in values.items()}
    fields["headers"] = _headers(headers)
    scoped = WebhookEndpoint.objects.for_business(business)
    if idempotency_key and (found := scoped.filter(idempotency_key=idempotency_key).first()):
        return found
    try:
        with transaction.atomic():
            endpoint = WebhookEndpoint.objects.create(
                business=business,
                secret=secret_new(),
                idempotency_key=idempotency_key or None,
                **fields,
            )
            event_record(
                business,
                type="webhook_endpoint.created",
                actor=actor,
                payload={"endpoint_id": endpoint.pk, "url": endpoint.url},
            )
    except IntegrityError:
        found = scoped.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if found is None:
            raise
        return found
    return endpoint


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Actor, changes: dict[str, Any]
) -> WebhookEndpoint:
    """Change the fields named in `changes` (url, description, disabled, filter_types,
    metadata, rate_limit). Enabling an endpoint again clears its failure streak and
    sends what waited."""
    cleaned = {name: _clean(name, value) for name, value in changes.items() if name in EDITABLE}
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        enabled_again = locked.disabled and cleaned.get("disabled") is False
        for name, value in cleaned.items():
            setattr(locked, name, value)
        if enabled_again:
            locked.failing_since = None
        locked.save()
        event_record(
            locked.business,
            type="webhook_endpoint.updated",
            actor=actor,
            payload={"endpoint_id": locked.pk, "fields": sorted(cleaned)},
        )
        if enabled_again:
            enqueue_on_commit(webhook_endpoint_send, locked.pk)
    return locked


def webhook_headers_update(
    *, endpoint: WebhookEndpoint, actor: Actor, headers: dict
) -> WebhookEndpoint:
    """Add or replace custom headers (the ones not named stay)."""
    cleaned = _headers(headers)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        merged = {**locked.headers, **cleaned}
        if len(merged) > MAX_HEADERS:
            raise TooManyWebhookHeaders()
        locked.headers = merged
        locked.save(update_fields=["headers", "updated_at"])
        event_record(
            locked.business,
            type="webhook_endpoint.headers_updated",
            actor=actor,
            payload={"endpoint_id": locked.pk, "names": sorted(cleaned)},
        )
    return locked


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    with transaction.atomic():
        event_record(
            endpoint.business,
            type="webhook_endpoint.deleted",
            actor=actor,
            payload={"endpoint_id": endpoint.pk, "url": endpoint.url},
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, actor: Actor, now: dt.datetime | None = None
) -> WebhookEndpoint:
    """A new secret; the current one keeps signing (beside it) for 24 hours."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + PREVIOUS_SECRET_LIFETIME
        locked.secret = secret_new()
        locked.save()
        event_record(
            locked.business,
            type="webhook_endpoint.secret_rotated",
            actor=actor,
            payload={"endpoint_id": locked.pk},
        )
    return locked


def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a message to its endpoint again (same `webhook-id`), with a fresh schedule."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            updated_at=timezone.now(),
        )
        event_record(
            delivery.business,
            type="webhook_delivery.replayed",
            actor=actor,
            payload={"endpoint_id": delivery.endpoint_id, "message_id": delivery.message_id},
        )
        enqueue_on_commit(webhook_endpoint_send, delivery.endpoint_id)
    delivery.refresh_from_db()
    return delivery


def webhook_test_send(*, endpoint: WebhookEndpoint, actor: Actor):
    """Queue a `webhook.test` message to this endpoint only (filters do not apply)."""
    with transaction.atomic():
        message = message_send(
            business_id=endpoint.business_id,
            webhook_type=TEST_TYPE,
            data={"endpoint_id": endpoint.pk, "message": "A test event from Customer Hub."},
            endpoints=[endpoint],
        )
        event_record(
            endpoint.business,
            type="webhook_endpoint.test_sent",
            actor=actor,
            payload={"endpoint_id": endpoint.pk, "message_id": message.pk},
        )
    return message
