"""Auto top-up: a debit that crosses the threshold buys the pack once (the task run
eagerly after commit), never twice for one crossing, at most N times a month."""

import datetime as dt

import pytest
from django.db import IntegrityError

from customers.billing import auto_top_up
from customers.billing.gateway import BuiltinGateway
from customers.models import Event, Payment
from tests.customers.billing.purchase_helpers import ACTOR, POOR_CARD, card, pack
from tests.factories import BusinessFactory
from tests.wallets.credits.helpers import debit, grant
from wallets.credits.models import CreditAutoTopUpRun, CreditBalance, CreditLedgerEntry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def setup(customer, business):
    """A customer with 150 calls and a rule: below 100, buy the 1,000-call pack, 2×/month."""
    product, calls = pack(business, credits=1000, price=1900)
    card(customer)
    grant(calls, customer, 150, now=NOW)
    rule = auto_top_up.auto_top_up_set(
        customer=customer,
        entitlement=calls,
        product=product,
        threshold=100_000,
        monthly_limit=2,
        enabled=True,
        actor=ACTOR,
    )
    return calls, rule


def spend(calls, customer, n, capture, now=NOW):
    with capture(execute=True):
        return debit(calls, customer, n, now=now)


def balance_of(calls, customer):
    return CreditBalance.objects.get(entitlement=calls, customer=customer).balance // 1000


def test_crossing_the_threshold_buys_the_pack_once(
    customer, setup, django_capture_on_commit_callbacks
):
    calls, rule = setup
    spend(calls, customer, 40, django_capture_on_commit_callbacks)  # 110: above
    assert not CreditAutoTopUpRun.objects.exists()
    spend(calls, customer, 20, django_capture_on_commit_callbacks)  # 90: crossed
    run = CreditAutoTopUpRun.objects.get()
    assert (run.status, run.slot, run.month) == ("succeeded", 1, dt.date(2026, 3, 1))
    assert balance_of(calls, customer) == 1090
    payment = Payment.objects.get()
    assert run.payment == payment and payment.metadata == {"purchase": "auto_top_up"}
    top_up = CreditLedgerEntry.objects.filter(transaction_type="auto_top_up").get()
    assert top_up.reference_id == payment.pk
    spend(calls, customer, 10, django_capture_on_commit_callbacks)  # 1080: no crossing
    assert CreditAutoTopUpRun.objects.count() == 1


def test_at_most_the_monthly_limit(customer, setup, django_capture_on_commit_callbacks):
    calls, _rule = setup
    for _ in range(3):  # three crossings in March
        spend(calls, customer, balance_of(calls, customer) - 99, django_capture_on_commit_callbacks)
    assert CreditAutoTopUpRun.objects.count() == 2 and Payment.objects.count() == 2
    assert balance_of(calls, customer) == 99  # the third crossing bought nothing
    april = NOW + dt.timedelta(days=30)
    grant(calls, customer, 100, now=april)
    spend(calls, customer, 100, django_capture_on_commit_callbacks, april)
    assert CreditAutoTopUpRun.objects.filter(month=dt.date(2026, 4, 1)).count() == 1


def test_one_crossing_is_one_run_in_the_database(
    customer, setup, django_capture_on_commit_callbacks
):
    calls, rule = setup
    entry = spend(calls, customer, 60, django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError):
        CreditAutoTopUpRun.objects.create(
            business=rule.business, rule=rule, crossing_entry=entry, month=NOW.date(), slot=2
        )


def test_the_task_twice_buys_once(customer, setup, django_capture_on_commit_callbacks):
    calls, _rule = setup
    spend(calls, customer, 60, django_capture_on_commit_callbacks)
    run = CreditAutoTopUpRun.objects.get()
    assert auto_top_up.auto_top_up_run(run_id=run.pk, gateway=BuiltinGateway()) == "done"
    assert Payment.objects.count() == 1 and balance_of(calls, customer) == 1090


def test_a_declined_card_fails_the_run_and_counts(
    customer, business, django_capture_on_commit_callbacks
):
    product, calls = pack(business)
    customer.payment_methods.all().delete()
    card(customer, POOR_CARD)
    grant(calls, customer, 150, now=NOW)
    auto_top_up.auto_top_up_set(
        customer=customer,
        entitlement=calls,
        product=product,
        threshold=100_000,
        monthly_limit=1,
        enabled=True,
        actor=ACTOR,
    )
    spend(calls, customer, 60, django_capture_on_commit_callbacks)
    run = CreditAutoTopUpRun.objects.get()
    assert (run.status, run.error_code) == ("failed", "insufficient_funds")
    assert Payment.objects.get().status == "failed"
    assert Event.objects.filter(type="payment.failed").exists()


def test_without_a_saved_method_the_run_fails_visibly(
    customer, setup, django_capture_on_commit_callbacks
):
    calls, _rule = setup
    customer.payment_methods.update(removed_at=NOW)
    spend(calls, customer, 60, django_capture_on_commit_callbacks)
    run = CreditAutoTopUpRun.objects.get()
    assert (run.status, run.error_code) == ("failed", "payment_method_missing")
    assert Event.objects.filter(type="credit.auto_top_up_failed").exists()


def test_a_disabled_rule_buys_nothing(customer, setup, django_capture_on_commit_callbacks):
    calls, rule = setup
    rule.enabled = False
    rule.save()
    spend(calls, customer, 60, django_capture_on_commit_callbacks)
    assert not CreditAutoTopUpRun.objects.exists()


def test_the_rule_only_takes_the_businesss_packs_for_that_credit(customer, business):
    product, calls = pack(business)
    other_pack, _ = pack(BusinessFactory())
    unrelated, _ = pack(business, name="Minutes pack")
    for wrong in (other_pack, unrelated):
        with pytest.raises(auto_top_up.InvalidAutoTopUp):
            auto_top_up.auto_top_up_set(
                customer=customer,
                entitlement=calls,
                product=wrong,
                threshold=1000,
                monthly_limit=1,
                enabled=True,
                actor=ACTOR,
            )
    with pytest.raises(auto_top_up.InvalidAutoTopUp):
        auto_top_up.auto_top_up_set(
            customer=customer,
            entitlement=calls,
            product=product,
            threshold=1500,  # 1.5 calls: this credit has no decimals
            monthly_limit=1,
            enabled=True,
            actor=ACTOR,
        )
