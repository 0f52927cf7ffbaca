"""Standard Webhooks signatures, made by the maintained `standardwebhooks` library.

A secret is `whsec_` + base64 of 24 random bytes. Each try is signed anew with its
own `webhook-timestamp` (receivers refuse stale ones) and the message's fixed
`webhook-id`. For 24 hours after a rotation the previous secret signs too, and
`webhook-signature` carries both signatures, space-separated, so a receiver still on
the old secret keeps verifying while it switches.
"""

import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
PREVIOUS_SECRET_LIFETIME = dt.timedelta(hours=24)


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_secrets(endpoint, *, now: dt.datetime) -> list[str]:
    """The endpoint's secret, then the previous one while it is still valid."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        found.append(endpoint.previous_secret)
    return found


def signed_headers(endpoint, *, msg_id: str, body: str, now: dt.datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` for one try."""
    signatures = [
        Webhook(secret).sign(msg_id, now, body) for secret in signing_secrets(endpoint, now=now)
    ]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
