"""API keys: create (the secret is returned once), revoke, and authenticate.

A key is `hub_sk_` followed by 40 base62 characters (about 238 random bits). Only
an HMAC-SHA256 of it is stored (`ApiKey.digest`, unique), keyed with
`settings.API_KEY_HMAC_SECRET` or, when that is empty, a secret derived from
SECRET_KEY. Authentication computes the HMAC of the presented key and looks the
digest up: the work does not depend on how much of a guess is right, so there
is nothing to time. Unknown, revoked and malformed keys all come back as None.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.core.ids import ALPHABET
from customers.models import ApiKey, Business

KEY_PREFIX = "hub_sk_"
KEY_BODY_LENGTH = 40
KEY_PATTERN = re.compile(rf"^{KEY_PREFIX}[0-9A-Za-z]{{{KEY_BODY_LENGTH}}}$")
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 4  # "hub_sk_Ab3d"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hmac_secret() -> bytes:
    configured = getattr(settings, "API_KEY_HMAC_SECRET", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(b"customer-hub.api-keys:" + settings.SECRET_KEY.encode()).digest()


def key_digest(raw_key: str) -> str:
    return hmac.new(_hmac_secret(), raw_key.encode(), hashlib.sha256).hexdigest()


def api_key_create(
    *, business: Business, name: str, read_only: bool = False, actor: Actor, created_by=None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the secret, which is never available again."""
    raw = KEY_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(KEY_BODY_LENGTH))
    with transaction.atomic():
        key = ApiKey.objects.create(
            business=business,
            name=name.strip()[:100] or "API key",
            prefix=raw[:SHOWN_PREFIX_LENGTH],
            last_four=raw[-4:],
            digest=key_digest(raw),
            read_only=read_only,
            created_by=created_by,
        )
        event_record(
            key,
            type="api_key.created",
            actor=actor,
            payload={"name": key.name, "read_only": read_only, "shown": key.masked},
        )
    return key, raw


def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    """Revoke a key for good; its next request gets the same 401 as an unknown key."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        event_record(
            locked,
            type="api_key.revoked",
            actor=actor,
            payload={"name": locked.name, "shown": locked.masked},
        )
    return locked


# One round trip on every API request, so it skips the ORM's query building.
_AUTH_SQL = (
    f"SELECT id, business_id, name, read_only, last_used_at FROM {ApiKey._meta.db_table} "
    "WHERE digest = %s AND revoked_at IS NULL"
)


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key this secret belongs to (its `business` loads on first use);
    None for unknown, revoked and malformed keys.

    Records the use in `last_used_at`, at most once a minute per key.
    """
    if not raw_key or not KEY_PATTERN.match(raw_key):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_AUTH_SQL, [key_digest(raw_key)])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, business_id, name, read_only, last_used_at = row
    if last_used_at is not None and settings.USE_TZ and timezone.is_naive(last_used_at):
        last_used_at = timezone.make_aware(last_used_at, dt.UTC)  # SQLite hands back naive
    key = ApiKey(
        id=pk, business_id=business_id, name=name, read_only=read_only, last_used_at=last_used_at
    )
    key._state.adding, key._state.db = False, "default"
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
