"""Webhooks with Dodo's payloads (checked with the official client's types), the
low-balance alert, expiry reminders and the time-driven command."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from dodopayments.types import (
    CreditAddedWebhookEvent,
    CreditBalanceLowWebhookEvent,
    CreditDeductedWebhookEvent,
    CreditExpiredWebhookEvent,
    CreditRolledOverWebhookEvent,
    CreditRolloverForfeitedWebhookEvent,
)

from customers.audit import Actor
from customers.models import EmailLog, WebhookMessage
from customers.webhooks.services import webhook_endpoint_create
from tests.wallets.credits.helpers import NOW, debit, entitlement, grant
from wallets.credits.models import CreditGrant
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
TYPES = {
    "credit.added": CreditAddedWebhookEvent,
    "credit.deducted": CreditDeductedWebhookEvent,
    "credit.expired": CreditExpiredWebhookEvent,
    "credit.rolled_over": CreditRolledOverWebhookEvent,
    "credit.rollover_forfeited": CreditRolloverForfeitedWebhookEvent,
    "credit.balance_low": CreditBalanceLowWebhookEvent,
}


@pytest.fixture
def endpoint(business):
    return webhook_endpoint_create(
        business=business, actor=Actor.system("tests"), url="https://hooks.example.com/"
    )


def sent(webhook_type: str) -> list:
    bodies = WebhookMessage.objects.filter(type=webhook_type).order_by("created_at")
    return [TYPES[webhook_type].model_validate(json.loads(m.body)) for m in bodies]


def test_grant_and_debit_send_dodo_shaped_webhooks(business, customer, endpoint):
    ent = entitlement(business, precision=1)
    grant(ent, customer, 12.5)
    debit(ent, customer, 2)
    (added,) = sent("credit.added")
    assert (added.data.amount, added.data.balance_after, added.data.is_credit) == (
        "12.5",
        "12.5",
        True,
    )
    assert added.data.transaction_type == "credit_added" and added.business_id == business.pk
    (deducted,) = sent("credit.deducted")
    assert (deducted.data.amount, deducted.data.balance_after) == ("2.0", "10.5")


def test_a_debit_crossing_thresholds_alerts_once_with_the_lowest(business, customer, endpoint):
    ent = entitlement(business, low_balance_thresholds=[50, 10])
    grant(ent, customer, 100)
    debit(ent, customer, 20)  # 80: nothing crossed
    assert sent("credit.balance_low") == []
    debit(ent, customer, 75)  # 5: crosses 50 and 10 at once
    debit(ent, customer, 1)  # 4: no new crossing
    (alert,) = sent("credit.balance_low")
    assert (alert.data.threshold_amount, alert.data.available_balance) == ("10", "5")
    assert alert.data.credit_entitlement_name == "API calls"
    mail = EmailLog.objects.get(email_type="credit_balance_low")
    assert mail.recipient == customer.email and "5 calls" in mail.body


def test_expiry_and_rollover_send_their_webhooks_and_the_command_takes_now(
    business, customer, endpoint
):
    ent = entitlement(
        business, expires_after_days=10, rollover_enabled=True, rollover_percentage=40
    )
    grant(ent, customer, 10, now=NOW)
    call_command("credits_expire", now=(NOW + 10 * DAY).isoformat())
    (rolled,) = sent("credit.rolled_over")
    (forfeited,) = sent("credit.rollover_forfeited")
    assert (rolled.data.amount, forfeited.data.amount) == ("4", "6")
    assert CreditGrant.objects.get(source_type="rollover").expires_at == NOW + 20 * DAY
    assert verify_ledgers().ok


def test_expired_credits_send_credit_expired(business, customer, endpoint):
    ent = entitlement(business, expires_after_days=1)
    grant(ent, customer, 3, now=NOW)
    call_command("credits_expire", now=(NOW + 2 * DAY).isoformat())
    (expired,) = sent("credit.expired")
    assert (expired.data.amount, expired.data.balance_after) == ("3", "0")


def test_a_reminder_goes_out_once_seven_days_before_expiry(business, customer):
    customer.preferred_locale = "ko"
    customer.save()
    ent = entitlement(business, expires_after_days=30)
    grant(ent, customer, 120, now=NOW)
    call_command("credits_expire", now=(NOW + 22 * DAY).isoformat())
    assert not EmailLog.objects.filter(email_type="credit_expiring").exists()
    call_command("credits_expire", now=(NOW + 23 * DAY).isoformat())
    call_command("credits_expire", now=(NOW + 24 * DAY).isoformat())
    (mail,) = EmailLog.objects.filter(email_type="credit_expiring")
    assert "120" in mail.subject and "3월" in mail.subject  # in the customer's language
