"""Pause, resume and the other PATCH fields (customers.billing.subscription_changes):
billing skips a paused subscription, and resuming gives back the paid time left."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.billing.subscription_changes import (
    subscription_pause,
    subscription_resume,
    subscription_update,
)
from customers.billing.subscriptions import subscriptions_bill_due
from customers.core.errors import (
    InvalidNextBillingDate,
    SubscriptionNotActive,
    SubscriptionNotPaused,
)
from customers.models import CustomerEmailSettings, EmailLog, Event, Payment, Subscription
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_pause_then_resume_moves_the_billing_date_by_the_pause(customer, actor):
    now = timezone.now()
    sub = SubscriptionFactory(customer=customer, next_billing_date=now + dt.timedelta(days=20))
    paused = subscription_pause(subscription=sub, actor=actor, now=now)
    assert paused.status == "paused" and paused.paused_at == now
    later = now + dt.timedelta(days=45)
    resumed = subscription_resume(subscription=sub, actor=actor, now=later)
    assert resumed.status == "active" and resumed.paused_at is None
    # The 20 paid days left at the pause start again at the resume.
    assert resumed.next_billing_date == later + dt.timedelta(days=20)
    types = list(Event.objects.filter(object_id=sub.pk).values_list("type", flat=True))
    assert types == ["subscription.paused", "subscription.resumed"]


def test_billing_skips_a_paused_subscription(due, actor):
    subscription_pause(subscription=due, actor=actor)
    run = subscriptions_bill_due(now=timezone.now())
    assert run.renewed == 0 and run.failed == 0
    assert not Payment.objects.filter(subscription=due, charge_type="renewal").exists()
    due.refresh_from_db()
    assert due.status == "paused"


def test_a_paused_past_due_subscription_resumes_due_now(due, actor):
    """Paused after its period ended: no paid time is left, so it is due on resume."""
    now = timezone.now()
    subscription_pause(subscription=due, actor=actor, now=now)
    resumed = subscription_resume(subscription=due, actor=actor, now=now + dt.timedelta(days=3))
    assert resumed.next_billing_date == now + dt.timedelta(days=3)
    assert subscriptions_bill_due(now=now + dt.timedelta(days=3, seconds=1)).renewed == 1


def test_only_an_active_subscription_pauses_and_a_paused_one_resumes(customer, actor):
    sub = SubscriptionFactory(customer=customer, status="cancelled")
    with pytest.raises(SubscriptionNotActive):
        subscription_pause(subscription=sub, actor=actor)
    with pytest.raises(SubscriptionNotPaused):
        subscription_resume(subscription=sub, actor=actor)
    active = SubscriptionFactory(customer=customer)
    with pytest.raises(SubscriptionNotPaused):
        subscription_resume(subscription=active, actor=actor)
    assert not Event.objects.filter(type__startswith="subscription.").exists()


def test_update_fields_and_their_event(customer, actor):
    sub = SubscriptionFactory(customer=customer)
    when = timezone.now() + dt.timedelta(days=40)
    updated = subscription_update(
        subscription=sub,
        actor=actor,
        next_billing_date=when,
        metadata={"seats": 3},
        billing={"country": "KR", "city": "Seoul"},
        tax_id="KR1234567890",
        customer_name="Ada Ltd",
    )
    updated = Subscription.objects.get(pk=sub.pk)
    assert updated.next_billing_date == when and updated.metadata == {"seats": 3}
    assert updated.billing == {"country": "KR", "city": "Seoul"}
    assert updated.tax_id == "KR1234567890" and updated.customer_name == "Ada Ltd"
    event = Event.objects.get(type="subscription.updated")
    assert set(event.payload["changed"]) == {
        "next_billing_date",
        "metadata",
        "billing",
        "tax_id",
        "customer_name",
    }
    subscription_update(subscription=sub, actor=actor, tax_id="")
    assert Subscription.objects.get(pk=sub.pk).tax_id == ""


@pytest.mark.parametrize("days", [-1, 0, 5 * 366 + 1])
def test_next_billing_date_must_be_future_and_within_five_years(customer, actor, days):
    sub = SubscriptionFactory(customer=customer)
    before = sub.next_billing_date
    with pytest.raises(InvalidNextBillingDate):
        subscription_update(
            subscription=sub,
            actor=actor,
            next_billing_date=timezone.now() + dt.timedelta(days=days),
            metadata={"written": True},
        )
    sub.refresh_from_db()
    assert sub.next_billing_date == before and sub.metadata == {}  # nothing half-written


def test_next_billing_date_of_a_paused_subscription_is_refused(customer, actor):
    sub = SubscriptionFactory(customer=customer)
    subscription_pause(subscription=sub, actor=actor)
    with pytest.raises(SubscriptionNotActive):
        subscription_update(
            subscription=sub,
            actor=actor,
            next_billing_date=timezone.now() + dt.timedelta(days=3),
        )


def test_pause_and_resume_email_the_customer_unless_switched_off(customer, actor):
    sub = SubscriptionFactory(customer=customer)
    subscription_pause(subscription=sub, actor=actor)
    email = EmailLog.objects.get(email_type="subscription_paused")
    assert email.recipient == customer.email and email.customer_id == customer.pk
    assert sub.product.name in email.subject
    CustomerEmailSettings.objects.create(business=customer.business, subscription_resumed=False)
    subscription_resume(subscription=sub, actor=actor)
    assert not EmailLog.objects.filter(email_type="subscription_resumed").exists()


def test_a_retention_discount_lowers_the_next_renewals_only(due):
    Subscription.objects.filter(pk=due.pk).update(discount_percent=50, discount_cycles_remaining=1)
    now = timezone.now()
    assert subscriptions_bill_due(now=now).renewed == 1
    payment = Payment.objects.get(subscription=due, charge_type="renewal")
    assert payment.total_amount == 500  # half of $10.00
    due.refresh_from_db()
    assert due.discount_cycles_remaining == 0 and due.renewal_amount == 1000


def test_a_discount_for_two_renewals_lowers_two_renewals(due):
    Subscription.objects.filter(pk=due.pk).update(discount_percent=50, discount_cycles_remaining=2)
    for _ in range(3):
        due.refresh_from_db()
        assert subscriptions_bill_due(now=due.next_billing_date).renewed == 1
    amounts = Payment.objects.filter(subscription=due, charge_type="renewal").order_by(
        "service_period_start"
    )
    assert list(amounts.values_list("total_amount", flat=True)) == [500, 500, 1000]
    due.refresh_from_db()
    assert due.discount_cycles_remaining == 0
