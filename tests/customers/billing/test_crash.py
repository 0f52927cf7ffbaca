"""A real process killed (SIGKILL) between the gateway call and the recording of its
outcome, on PostgreSQL: the reconciler, in another process, finishes it, and nothing
is charged twice or lost."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from customers.models import GatewayAttempt, GatewayRecord, Payment, Refund, Subscription
from tests.factories import BusinessFactory, CustomerFactory, PaymentFactory, SubscriptionFactory
from tests.server import database_url
from tests.wallets.helpers import credit
from wallets.models import LedgerEntry
from wallets.selectors import balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def manage(*args, gateway="customers.billing.gateway.BuiltinGateway"):
    """`python manage.py …` in a new process on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PAYMENT_GATEWAY": gateway,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def due_with_wallet():
    """A $10.00 monthly subscription an hour past due; $3.00 in the wallet."""
    customer = CustomerFactory(business=BusinessFactory(name="Crash Co"))
    start = timezone.now() - dt.timedelta(days=31, hours=1)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(
        customer=customer, subscription=sub, pricing_type="subscription", created_at=start
    )
    credit(customer, 300, "USD")
    return sub


@pytest.mark.parametrize(
    ("gateway", "charged_before_reconcile"),
    [("DiesAfterCharging", 1), ("DiesBeforeCharging", 0)],
)
def test_a_renewal_killed_mid_charge_is_finished_once(
    due_with_wallet, gateway, charged_before_reconcile
):
    sub = due_with_wallet
    killed = manage("bill_due_subscriptions", gateway=f"tests.customers.billing.crash.{gateway}")
    assert killed.returncode == -9, killed.stderr  # SIGKILL: nothing after the call ran

    attempt = GatewayAttempt.objects.get()
    assert attempt.status == "pending" and attempt.amount == 700 and attempt.wallet_amount == 300
    assert Payment.objects.get(charge_type="renewal").status == "processing"
    assert GatewayRecord.objects.filter(kind="charge").count() == charged_before_reconcile
    assert balance(sub.customer, "USD") == 0  # the wallet part is held, not lost

    # Another renewal run, in another process, does not charge it again.
    again = manage("bill_due_subscriptions")
    assert again.returncode == 0 and "0 renewed" in again.stdout, again.stdout + again.stderr
    assert GatewayRecord.objects.filter(kind="charge").count() == charged_before_reconcile

    later = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    done = manage("reconcile_gateway_attempts", "--now", later)
    assert "1 attempts finished" in done.stdout, done.stdout + done.stderr
    attempt.refresh_from_db()
    assert attempt.status == "succeeded"
    renewal = Payment.objects.get(charge_type="renewal")
    assert renewal.status == "succeeded" and renewal.invoice_number is not None
    assert renewal.metadata == {"wallet_amount": 300}
    assert GatewayRecord.objects.filter(kind="charge").count() == 1  # charged exactly once
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE and sub.next_billing_date > timezone.now()
    debits = LedgerEntry.objects.filter(reference_id=renewal.pk, direction="debit")
    assert (
        debits.count() == 1
        and not LedgerEntry.objects.filter(event_type="payment_reversal").exists()
    )
    # A second reconcile finds nothing left.
    assert "0 attempts finished" in manage("reconcile_gateway_attempts", "--now", later).stdout


def test_a_refund_killed_after_the_gateway_is_finished_once():
    customer = CustomerFactory(business=BusinessFactory(name="Refund Crash Co"))
    payment = PaymentFactory(customer=customer, total_amount=2500)
    code = (
        "from customers.audit import Actor; from customers.billing.refunds import refund_create; "
        "from customers.models import Payment; "
        f"refund_create(payment=Payment.objects.get(pk={payment.pk!r}), amount=1000, "
        "actor=Actor.system('crash test'))"
    )
    killed = manage("shell", "-c", code, gateway="tests.customers.billing.crash.DiesAfterCharging")
    assert killed.returncode == -9, killed.stderr
    refund = Refund.objects.get()
    assert refund.status == "pending" and GatewayRecord.objects.filter(kind="refund").count() == 1
    later = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    assert "1 attempts finished" in manage("reconcile_gateway_attempts", "--now", later).stdout
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert GatewayRecord.objects.filter(kind="refund").count() == 1
