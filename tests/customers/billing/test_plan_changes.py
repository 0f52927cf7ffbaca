"""Plan changes (customers.billing.plan_changes): each proration mode's arithmetic, the
charge through the gateway, downgrade credits to the wallet, one change at a time."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.billing.plan_changes import plan_change_quote, subscription_change_plan
from customers.core.errors import (
    InvalidPlan,
    PlanChangePaymentFailed,
    PlanChangePending,
    SubscriptionNotActive,
)
from customers.models import EmailLog, Event, Payment, PlanChange, Subscription, add_interval
from tests.factories import PaymentFactory, ProductFactory, SubscriptionFactory
from wallets.selectors import balance

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def sub(customer):
    """$10.00 a month, ten days into a 30-day period (20 days, 2/3 of it, left), paid
    by card."""
    sub = SubscriptionFactory(
        customer=customer,
        recurring_pre_tax_amount=1000,
        previous_billing_date=NOW - dt.timedelta(days=10),
        next_billing_date=NOW + dt.timedelta(days=20),
    )
    PaymentFactory(customer=customer, subscription=sub, product=sub.product, total_amount=1000)
    return sub


def plan(business, price, **kw):
    return ProductFactory(
        business=business, recurring=True, name=f"Plan {price}", price=price, **kw
    )


@pytest.mark.parametrize(
    ("mode", "charged"),
    [
        # round(4000 × 2/3) − round(1000 × 2/3) = 2667 − 667
        ("prorated_immediately", 2000),
        ("difference_immediately", 3000),  # 4000 − 1000
        ("full_immediately", 4000),  # the new price in full, a new period from now
    ],
)
def test_each_mode_charges_its_amount_and_applies_the_plan(sub, actor, mode, charged):
    team = plan(sub.business, 4000)
    change = subscription_change_plan(
        subscription=sub, product=team, quantity=1, mode=mode, actor=actor, now=NOW
    )
    assert change.status == "applied" and change.charge_amount == charged
    payment = Payment.objects.get(pk=change.payment_id)
    assert payment.status == "succeeded" and payment.total_amount == charged
    assert payment.charge_type == "plan_change" and payment.invoice_number
    after = Subscription.objects.get(pk=sub.pk)
    assert after.product == team and after.recurring_pre_tax_amount == 4000
    if mode == "full_immediately":
        assert after.previous_billing_date == NOW
        assert after.next_billing_date == add_interval(NOW, "Month")
    else:
        assert after.next_billing_date == sub.next_billing_date
    event = Event.objects.get(type="subscription.plan_changed")
    assert event.payload["charge_amount"] == charged
    assert event.payload["from_product_id"] == sub.product_id
    assert EmailLog.objects.filter(email_type="subscription_plan_changed").count() == 1
    assert EmailLog.objects.filter(email_type="payment_succeeded").count() == 1


def test_quantity_multiplies_the_new_price(sub):
    quote = plan_change_quote(
        subscription=sub,
        product=plan(sub.business, 1500),
        quantity=3,
        mode="difference_immediately",
        now=NOW,
    )
    assert quote.to_amount == 4500 and quote.charge_amount == 3500


def test_a_prorated_downgrade_credits_the_wallet(sub, actor):
    basic = plan(sub.business, 400)
    change = subscription_change_plan(
        subscription=sub,
        product=basic,
        quantity=1,
        mode="prorated_immediately",
        actor=actor,
        now=NOW,
    )
    # round(1000 × 2/3) − round(400 × 2/3) = 667 − 267
    assert change.charge_amount == 0 and change.credit_amount == 400
    assert change.payment_id is None
    assert balance(sub.customer, "USD") == 400
    assert Subscription.objects.get(pk=sub.pk).recurring_pre_tax_amount == 400


def test_a_failed_charge_keeps_the_plan(customer, actor):
    sub = SubscriptionFactory(customer=customer)  # no payment: no method on file
    team = plan(sub.business, 4000)
    with pytest.raises(PlanChangePaymentFailed):
        subscription_change_plan(
            subscription=sub, product=team, quantity=1, mode="full_immediately", actor=actor
        )
    change = PlanChange.objects.get()
    assert change.status == "failed" and change.error_code == "payment_method_missing"
    assert Payment.objects.get(pk=change.payment_id).status == "failed"
    assert Subscription.objects.get(pk=sub.pk).product_id == sub.product_id
    assert not Event.objects.filter(type="subscription.plan_changed").exists()


def test_one_pending_change_at_a_time(sub, actor):
    team = plan(sub.business, 4000)
    PlanChange.objects.create(
        business=sub.business,
        subscription=sub,
        from_product=sub.product,
        to_product=team,
        from_quantity=1,
        quantity=1,
        mode="full_immediately",
        currency="USD",
        from_amount=1000,
        to_amount=4000,
        charge_amount=4000,
    )
    with pytest.raises(PlanChangePending):
        subscription_change_plan(
            subscription=sub, product=team, quantity=1, mode="full_immediately", actor=actor
        )
    assert PlanChange.objects.count() == 1
    assert not Payment.objects.filter(charge_type="plan_change").exists()


def test_plans_that_cannot_be_chosen(sub, actor, other_business):
    cases = [
        ProductFactory(business=other_business, recurring=True),
        ProductFactory(business=sub.business, is_recurring=False),
        plan(sub.business, 4000, currency="INR"),
        plan(sub.business, 4000, archived=True),
        sub.product,  # the same plan, same quantity
    ]
    for product in cases:
        with pytest.raises(InvalidPlan):
            subscription_change_plan(
                subscription=sub,
                product=product,
                quantity=1,
                mode="full_immediately",
                actor=actor,
            )
    assert not PlanChange.objects.exists()


def test_only_an_active_subscription_changes_plan(sub, actor):
    Subscription.objects.filter(pk=sub.pk).update(status="on_hold")
    with pytest.raises(SubscriptionNotActive):
        subscription_change_plan(
            subscription=sub,
            product=plan(sub.business, 4000),
            quantity=1,
            mode="full_immediately",
            actor=actor,
        )


def test_the_database_allows_one_pending_change_and_no_negative_amounts(sub):
    team = plan(sub.business, 4000)
    row = {
        "business": sub.business,
        "subscription": sub,
        "from_product": sub.product,
        "to_product": team,
        "from_quantity": 1,
        "quantity": 1,
        "mode": "full_immediately",
        "currency": "USD",
        "from_amount": 1000,
        "to_amount": 4000,
        "charge_amount": 4000,
    }
    PlanChange.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanChange.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanChange.objects.create(**{**row, "status": "failed", "charge_amount": -1})
    PlanChange.objects.create(**{**row, "status": "applied"})  # history is unlimited


def test_the_database_keeps_a_pause_time_on_paused_rows(sub):
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.filter(pk=sub.pk).update(status="paused", paused_at=None)
