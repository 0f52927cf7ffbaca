"""Standard Webhooks signatures, checked with the official client's `unwrap`."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from dodopayments import DodoPayments
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from customers.models import WebhookEndpoint
from customers.webhooks.signing import secret_new, signed_headers

BODY = json.dumps(
    {
        "business_id": "bus_1",
        "type": "customer.created",
        "timestamp": "2026-12-05T00:00:00Z",
        "data": {"customer_id": "cus_1"},
    }
)


@pytest.fixture
def sdk():
    return DodoPayments(bearer_token="unused", base_url="http://127.0.0.1:9/api")


def test_secret_is_whsec_base64_and_unique():
    first, second = secret_new(), secret_new()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", first)
    assert first != second


def test_the_official_client_verifies_a_signature(sdk):
    endpoint = WebhookEndpoint(secret=secret_new())
    headers = signed_headers(endpoint, msg_id="msg_1", body=BODY, now=timezone.now())
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-signature"].startswith("v1,")
    event = sdk.webhooks.unwrap(BODY, headers=headers, key=endpoint.secret)
    assert event.type == "customer.created"
    with pytest.raises(WebhookVerificationError):
        sdk.webhooks.unwrap(BODY, headers=headers, key=secret_new())
    with pytest.raises(WebhookVerificationError):
        sdk.webhooks.unwrap(BODY.replace("cus_1", "cus_2"), headers=headers, key=endpoint.secret)


def test_after_a_rotation_both_secrets_verify_for_24_hours(sdk):
    now = timezone.now()
    old, new = secret_new(), secret_new()
    endpoint = WebhookEndpoint(
        secret=new, previous_secret=old, previous_secret_expires_at=now + dt.timedelta(hours=24)
    )
    headers = signed_headers(endpoint, msg_id="msg_1", body=BODY, now=now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    sdk.webhooks.unwrap(BODY, headers=headers, key=old)
    sdk.webhooks.unwrap(BODY, headers=headers, key=new)

    later = now + dt.timedelta(hours=24, seconds=1)
    headers = signed_headers(endpoint, msg_id="msg_1", body=BODY, now=later)
    assert len(headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        verify_at(old, headers, later)
    verify_at(new, headers, later)


def verify_at(secret, headers, moment):
    """Verify as a receiver would at `moment` (`unwrap` checks against the real clock)."""
    expected = Webhook(secret).sign(headers["webhook-id"], moment, BODY)
    if expected not in headers["webhook-signature"].split(" "):
        raise WebhookVerificationError("No matching signature found")
