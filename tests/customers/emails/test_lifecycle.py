"""Lifecycle e-mails to customers (customers.billing.notifications, reminders): one per
event, in the customer's language, from the business's name, each switchable; the
upcoming-renewal run is safe twice."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.billing.refunds import refund_create
from customers.billing.reminders import renewal_reminders_send
from customers.billing.subscription_changes import subscription_pause
from customers.billing.subscriptions import subscription_cancel, subscriptions_bill_due
from customers.models import CustomerEmailSettings, EmailLog, RenewalReminder
from tests.factories import CustomerFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_a_renewal_emails_the_receipt_with_the_invoice_link(due):
    subscriptions_bill_due(now=timezone.now())
    email = EmailLog.objects.get(email_type="payment_succeeded")
    assert email.recipient == due.customer.email and email.category == "payments"
    assert "/api/invoices/payments/pay_" in email.body and "$10.00" in email.body
    assert email.from_email.startswith(due.business.name)


def test_a_failed_renewal_emails_the_failure_once(customer):
    start = timezone.now() - dt.timedelta(days=31)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=30),
    )  # no card on file
    subscriptions_bill_due(now=timezone.now())
    # Dunning's notice, with the link to update the card; not also the generic one.
    email = EmailLog.objects.get(customer_id=customer.pk)
    assert email.email_type == "dunning_payment_failed"
    assert f"/portal/subscriptions/{sub.pk}/payment-method/" in email.body


def test_a_refund_emails_its_receipt(customer, actor):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    refund_create(payment=payment, amount=500, actor=actor)
    email = EmailLog.objects.get(email_type="refund_succeeded")
    assert "$5.00" in email.body and "/api/invoices/refunds/ref_" in email.body
    assert email.category == "refunds"


def test_cancel_and_schedule_emails(customer, actor):
    sub = SubscriptionFactory(customer=customer)
    subscription_cancel(subscription=sub, actor=actor, at_next_billing_date=True)
    subscription_cancel(subscription=sub, actor=actor, at_next_billing_date=False)
    types = list(EmailLog.objects.order_by("created_at").values_list("email_type", flat=True))
    assert types == ["subscription_cancellation_scheduled", "subscription_cancelled"]


def test_the_email_is_in_the_customers_language(business, actor):
    customer = CustomerFactory(business=business, preferred_locale="ko", name="김민지")
    sub = SubscriptionFactory(customer=customer)
    subscription_pause(subscription=sub, actor=actor)
    email = EmailLog.objects.get()
    assert "일시 중지" in email.subject and "김민지" in email.body and "일시 중지" in email.body


def test_each_kind_can_be_switched_off(due, actor):
    CustomerEmailSettings.objects.create(business=due.business, payment_succeeded=False)
    subscriptions_bill_due(now=timezone.now())
    assert not EmailLog.objects.filter(email_type="payment_succeeded").exists()
    subscription_pause(subscription=due, actor=actor)
    assert EmailLog.objects.filter(email_type="subscription_paused").exists()


def test_upcoming_renewal_once_per_period(customer):
    now = timezone.now()
    soon = SubscriptionFactory(customer=customer, next_billing_date=now + dt.timedelta(days=2))
    SubscriptionFactory(customer=customer, next_billing_date=now + dt.timedelta(days=5))
    SubscriptionFactory(
        customer=customer,
        next_billing_date=now + dt.timedelta(days=1),
        cancel_at_next_billing_date=True,
    )
    assert renewal_reminders_send(now=now) == 1
    assert renewal_reminders_send(now=now + dt.timedelta(hours=1)) == 0  # safe twice
    email = EmailLog.objects.get(email_type="upcoming_renewal")
    assert soon.product.name in email.subject
    assert RenewalReminder.objects.get().subscription_id == soon.pk


def test_upcoming_renewal_days_are_the_business_choice(customer, capsys):
    now = timezone.now()
    SubscriptionFactory(customer=customer, next_billing_date=now + dt.timedelta(days=5))
    CustomerEmailSettings.objects.create(business=customer.business, upcoming_renewal_days=7)
    call_command("send_renewal_reminders", now=now.isoformat())
    assert "1 upcoming-renewal" in capsys.readouterr().out
    call_command("send_renewal_reminders", now=now.isoformat())
    assert EmailLog.objects.filter(email_type="upcoming_renewal").count() == 1


def test_upcoming_renewal_switched_off(customer):
    now = timezone.now()
    SubscriptionFactory(customer=customer, next_billing_date=now + dt.timedelta(days=1))
    CustomerEmailSettings.objects.create(business=customer.business, upcoming_renewal=False)
    assert renewal_reminders_send(now=now) == 0
    assert not EmailLog.objects.exists()
