"""refund_create: every rule, on whatever database the suite runs; and on PostgreSQL,
refunds racing for one payment from separate connections."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.audit import Actor
from customers.billing import refunds
from customers.billing.gateway import RefundResult
from customers.core import errors
from customers.models import Event, GatewayAttempt, LicenseKey, Refund
from tests.customers.billing.helpers import SlowGateway, race
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    PaymentFactory,
    SubscriptionFactory,
)
from wallets.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(customer):
    return PaymentFactory(customer=customer, total_amount=2500)


def test_full_refund_by_default(payment, actor):
    refund = refunds.refund_create(payment=payment, amount=None, reason="Asked", actor=actor)
    assert (refund.amount, refund.status, refund.is_partial) == (2500, "succeeded", False)
    assert refund.currency == "USD" and refund.customer_id == payment.customer_id
    assert refund.pk.startswith("ref_") and refund.business_id == payment.business_id
    event = Event.objects.get(object_id=refund.pk)
    assert event.type == "refund.succeeded" and event.actor_label == actor.label
    assert event.payload == {
        "payment_id": payment.pk,
        "customer_id": payment.customer_id,
        "amount": 2500,
        "currency": "USD",
        "is_partial": False,
        "destination": "original_payment_method",
        "reason": "Asked",
        "license_keys_disabled": 0,
    }


def test_partial_refunds_add_up_to_the_payment_and_no_more(payment, actor):
    refunds.refund_create(payment=payment, amount=1000, actor=actor)
    second = refunds.refund_create(payment=payment, amount=1500, actor=actor)
    assert second.is_partial
    with pytest.raises(errors.NothingToRefund):
        refunds.refund_create(payment=payment, amount=1, actor=actor)
    assert Refund.objects.count() == 2


def test_more_than_what_is_left_is_refused(payment, actor):
    refunds.refund_create(payment=payment, amount=2000, actor=actor)
    with pytest.raises(errors.RefundAmountExceedsPaidAmount) as exc_info:
        refunds.refund_create(payment=payment, amount=501, actor=actor)
    assert exc_info.value.code == "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT"
    assert Refund.objects.count() == 1


def test_pending_refunds_count_against_what_is_left(payment, actor):
    class SlowGateway:
        def refund(self, *, refund, idempotency_key):
            return RefundResult(status="pending")

    pending = refunds.refund_create(
        payment=payment, amount=2000, actor=actor, gateway=SlowGateway()
    )
    assert pending.status == "pending"
    assert refunds.refundable_amount(payment) == 500
    with pytest.raises(errors.RefundAmountExceedsPaidAmount):
        refunds.refund_create(payment=payment, amount=600, actor=actor)
    # A failed refund gives its amount back.
    Refund.objects.filter(pk=pending.pk).update(status="failed")
    assert refunds.refundable_amount(payment) == 2500


@pytest.mark.parametrize("amount", [0, -100])
def test_zero_and_negative_amounts_are_refused(payment, actor, amount):
    with pytest.raises(errors.InvalidRefundAmount):
        refunds.refund_create(payment=payment, amount=amount, actor=actor)
    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", [0, -1])
def test_the_amount_rule_refuses_nothing_and_less_for_every_caller(amount):
    """The form and the service check the amount before it; the rule stands alone too."""
    with pytest.raises(errors.InvalidRefundAmount):
        refunds.refund_amount_check(amount, left=2500)


def test_an_unknown_destination_is_a_programming_error_that_names_it(payment, actor):
    with pytest.raises(ValueError, match="unknown refund destination 'bank'"):
        refunds.refund_create(payment=payment, amount=100, destination="bank", actor=actor)
    assert not Refund.objects.exists()


@pytest.mark.parametrize("status", ["failed", "processing", "cancelled", "requires_capture"])
def test_only_succeeded_payments_can_be_refunded(customer, actor, status):
    payment = PaymentFactory(customer=customer, status=status)
    with pytest.raises(errors.PaymentNotSucceeded) as exc_info:
        refunds.refund_create(payment=payment, amount=None, actor=actor)
    assert exc_info.value.code == "PAYMENT_NOT_SUCCEEDED"
    assert not Refund.objects.exists() and not Event.objects.exists()


def test_refund_window_is_a_setting(customer, actor, settings):
    old = PaymentFactory(customer=customer, created_at=timezone.now() - dt.timedelta(days=31))
    with pytest.raises(errors.RefundWindowExpired) as exc_info:
        refunds.refund_create(payment=old, amount=None, actor=actor)
    assert exc_info.value.code == "REFUND_WINDOW_EXPIRED"
    settings.REFUND_WINDOW_DAYS = 60
    assert refunds.refund_create(payment=old, amount=None, actor=actor).amount == 2500


def test_just_inside_the_window_is_fine(customer, actor):
    payment = PaymentFactory(customer=customer, created_at=timezone.now() - dt.timedelta(days=29))
    assert refunds.refund_create(payment=payment, amount=100, actor=actor)


def test_same_token_twice_refunds_once(payment, actor):
    first = refunds.refund_create(payment=payment, amount=1000, actor=actor, idempotency_key="t1")
    again = refunds.refund_create(payment=payment, amount=1000, actor=actor, idempotency_key="t1")
    assert again.pk == first.pk
    assert Refund.objects.count() == 1
    assert Event.objects.filter(type__startswith="refund.").count() == 1


def test_a_full_refunds_token_replayed_returns_it_rather_than_nothing_to_refund(payment, actor):
    first = refunds.refund_create(payment=payment, amount=None, actor=actor, idempotency_key="t")
    again = refunds.refund_create(payment=payment, amount=None, actor=actor, idempotency_key="t")
    assert again.pk == first.pk and (first.amount, first.reason) == (2500, "")


def test_each_token_is_its_own_refund(payment, actor):
    a = refunds.refund_create(payment=payment, amount=100, actor=actor, idempotency_key="a")
    b = refunds.refund_create(payment=payment, amount=200, actor=actor, idempotency_key="b")
    assert a.pk != b.pk and (a.amount, b.amount) == (100, 200)


def test_tokens_are_per_business(payment, actor, other_business):
    refunds.refund_create(payment=payment, amount=100, actor=actor, idempotency_key="t")
    elsewhere = PaymentFactory(customer=CustomerFactory(business=other_business))
    theirs = refunds.refund_create(payment=elsewhere, amount=100, actor=actor, idempotency_key="t")
    assert theirs.business_id == other_business.pk


def test_a_token_used_on_another_payment_is_refused(payment, customer, actor):
    other = PaymentFactory(customer=customer)
    refunds.refund_create(payment=payment, amount=100, actor=actor, idempotency_key="t1")
    with pytest.raises(errors.RefundIdempotencyKeyReused):
        refunds.refund_create(payment=other, amount=100, actor=actor, idempotency_key="t1")


def test_refund_of_a_one_time_purchase_disables_its_keys(payment, customer, actor):
    key = LicenseKeyFactory(customer=customer, payment=payment, product=payment.product)
    unrelated = LicenseKeyFactory(customer=customer)
    refunds.refund_create(payment=payment, amount=None, actor=actor)
    key.refresh_from_db()
    unrelated.refresh_from_db()
    assert (key.status, key.disabled_reason) == ("disabled", "refund")
    assert unrelated.status == "active"
    assert Event.objects.filter(type="license_key.disabled", object_id=key.pk).exists()


def test_refund_of_a_subscription_payment_leaves_its_keys(customer, actor):
    sub = SubscriptionFactory(customer=customer)
    payment = PaymentFactory(
        customer=customer, subscription=sub, pricing_type="subscription", charge_type="new"
    )
    key = LicenseKeyFactory(customer=customer, subscription=sub, payment=payment)
    refund = refunds.refund_create(payment=payment, amount=None, actor=actor)
    key.refresh_from_db()
    assert key.status == LicenseKey.Status.ACTIVE
    event = Event.objects.get(type="refund.succeeded", object_id=refund.pk)
    assert event.payload["license_keys_disabled"] == 0


def test_failed_gateway_refund_is_recorded_and_does_not_count(payment, actor):
    class Declines:
        def refund(self, *, refund, idempotency_key):
            return RefundResult(status="failed")

    refund = refunds.refund_create(payment=payment, amount=None, actor=actor, gateway=Declines())
    assert refund.status == "failed"
    assert Event.objects.filter(type="refund.failed").exists()
    assert refunds.refundable_amount(payment) == 2500
    attempt = GatewayAttempt.objects.get(refund=refund)
    assert attempt.status == "failed" and attempt.finished_at is not None


def test_a_gateway_refund_that_succeeds_closes_its_attempt(payment, actor):
    before = timezone.now()
    refund = refunds.refund_create(payment=payment, amount=None, actor=actor)
    attempt = GatewayAttempt.objects.get(refund=refund)
    assert (attempt.kind, attempt.status, attempt.amount) == ("refund", "succeeded", 2500)
    assert before <= attempt.finished_at <= timezone.now()


def test_a_refund_pending_at_the_gateway_is_announced_once(payment, actor):
    class Slow:
        def refund(self, *, refund, idempotency_key):
            return RefundResult(status="pending")

    refund = refunds.refund_create(payment=payment, amount=500, actor=actor, gateway=Slow())
    attempt = GatewayAttempt.objects.get(refund=refund)
    # The reconciler asks again; the gateway still says pending: nothing new is written.
    again = refunds.refund_finish(attempt=attempt, result=RefundResult("pending"), actor=actor)
    assert again.status == "pending"
    events = Event.objects.filter(object_id=refund.pk)
    assert list(events.values_list("type", flat=True)) == ["refund.pending"]
    assert GatewayAttempt.objects.get(refund=refund).status == "pending"


# --- To the customer's wallet (the wallets app's ledger_post) ---------------------


def test_refund_to_wallet_credits_the_payment_currency(customer, actor):
    from wallets.models import LedgerEntry
    from wallets.selectors import balance

    payment = PaymentFactory(customer=customer, total_amount=150000, currency="INR")
    refund = refunds.refund_create(
        payment=payment, amount=50000, destination="wallet", actor=actor, reason="Goodwill"
    )
    assert refund.status == "succeeded" and refund.destination == "wallet"
    assert balance(customer, "INR") == 50000 and balance(customer, "USD") == 0
    entry = LedgerEntry.objects.get()
    assert (entry.direction, entry.event_type, entry.reference_id) == (
        "credit",
        "refund",
        refund.pk,
    )


def test_refund_to_wallet_in_a_currency_without_wallets_is_refused(customer, actor):
    payment = PaymentFactory(customer=customer, currency="EUR")
    with pytest.raises(errors.DomainError) as exc_info:
        refunds.refund_create(payment=payment, amount=None, destination="wallet", actor=actor)
    assert exc_info.value.code == "WALLET_UNAVAILABLE"
    assert str(exc_info.value) == "Customer wallets do not hold EUR."  # the merchant's message
    assert not Refund.objects.exists()


# --- At once (PostgreSQL, real concurrency) ---------------------------------------


def refunds_at_once(payment, n: int, **kwargs) -> list:
    """n refund_create calls for `payment` released together, each through a gateway
    slow enough to make the others wait; the refunds or the errors they raised."""
    actor = Actor.system("test")
    return race(
        lambda: refunds.refund_create(
            payment=payment, actor=actor, gateway=SlowGateway(), **kwargs
        ),
        n,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_full_refunds_at_once_refund_once(payment):
    results = refunds_at_once(payment, 2, amount=2500)
    made = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, errors.DomainError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], errors.NothingToRefund)
    assert Refund.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_partial_refunds_at_once_never_exceed_the_payment(payment):
    results = refunds_at_once(payment, 4, amount=1000)
    assert sum(isinstance(r, Refund) for r in results) == 2
    assert all(isinstance(r, Refund | errors.RefundAmountExceedsPaidAmount) for r in results), (
        results
    )
    assert sum(Refund.objects.values_list("amount", flat=True)) == 2000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_submit_of_one_form_at_once_refunds_once(payment):
    results = refunds_at_once(payment, 3, amount=500, idempotency_key="form:same-token")
    assert all(isinstance(r, Refund) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Refund.objects.count() == 1


def test_a_refund_keeps_its_metadata(payment, actor):
    made = refunds.refund_create(payment=payment, amount=100, actor=actor, metadata={"ticket": 7})
    assert Refund.objects.get(pk=made.pk).metadata == {"ticket": 7}


@pytest.mark.parametrize("reason", ["", "Goodwill"])
def test_a_wallet_refunds_entry_names_it_and_carries_its_key(payment, actor, reason):
    refund = refunds.refund_create(
        payment=payment, amount=300, destination="wallet", actor=actor, reason=reason
    )
    entry = LedgerEntry.objects.get(reference_id=refund.pk)
    assert entry.reason == (reason or f"Refund of {payment.pk}")
    assert entry.idempotency_key == f"refund:{refund.pk}"


def test_the_gateway_is_asked_for_this_refund_under_its_own_key(payment, actor):
    asked = {}

    class Records:
        def refund(self, *, refund, idempotency_key):
            asked.update(refund=refund.pk, amount=refund.amount, key=idempotency_key)
            return RefundResult(status="succeeded")

    made = refunds.refund_create(payment=payment, amount=700, actor=actor, gateway=Records())
    assert asked == {"refund": made.pk, "amount": 700, "key": f"refund:{made.pk}"}
