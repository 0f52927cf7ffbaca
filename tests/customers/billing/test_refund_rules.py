"""The refund rule at its edges: the last day of the window, the last cent, the
allowance read off the tab's annotation without a query per row; and on PostgreSQL, one
form token racing for two payments."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections, transaction

from customers.audit import Actor
from customers.billing import refunds
from customers.core import errors
from customers.models import Payment, Refund
from tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def test_a_payment_can_be_refunded_until_the_windows_last_moment(customer, settings):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    window = dt.timedelta(days=settings.REFUND_WINDOW_DAYS)
    assert refunds.refund_allowance(payment, now=payment.created_at + window) == 2500
    with pytest.raises(errors.RefundWindowExpired):
        refunds.refund_allowance(
            payment, now=payment.created_at + window + dt.timedelta(microseconds=1)
        )


def test_one_cent_left_can_be_refunded(customer, actor):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    refunds.refund_create(payment=payment, amount=2499, actor=actor)
    assert refunds.refund_allowance(payment) == 1
    refunds.refund_amount_check(1, left=1)  # the smallest refund is allowed
    last = refunds.refund_create(payment=payment, amount=1, actor=actor)
    assert (last.amount, last.status) == (1, "succeeded")
    with pytest.raises(errors.NothingToRefund):
        refunds.refund_allowance(payment)


def test_the_allowance_of_an_annotated_payment_needs_no_query(
    customer, actor, django_assert_num_queries
):
    """The transactions tab annotates its page of payments: asking each row what is
    left to refund must not cost a query per row."""
    payment = PaymentFactory(customer=customer, total_amount=2500)
    refunds.refund_create(payment=payment, amount=1000, actor=actor)
    annotated = Payment.objects.with_refund_totals().get(pk=payment.pk)
    with django_assert_num_queries(0):
        assert refunds.refundable_amount(annotated) == 1500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_token_racing_for_two_payments_refunds_one_and_refuses_the_other(customer):
    """Each payment's lock is its own, so both requests pass the token check; the
    second's insert waits on the first's uncommitted refund, then fails on the unique
    token: it must answer "already used for another payment", not a server error."""
    first, second = (PaymentFactory(customer=customer, total_amount=2500) for _ in range(2))
    posted = threading.Event()

    def refund_first():
        try:
            with transaction.atomic():
                refunds.refund_create(
                    payment=first,
                    amount=500,
                    destination="wallet",
                    actor=Actor.system(),
                    idempotency_key="form:shared",
                )
                posted.set()
                time.sleep(0.5)  # the second request now waits on this refund's token
        finally:
            connections.close_all()

    thread = threading.Thread(target=refund_first)
    thread.start()
    assert posted.wait(10)
    with pytest.raises(errors.RefundIdempotencyKeyReused):
        refunds.refund_create(
            payment=second,
            amount=500,
            destination="wallet",
            actor=Actor.system(),
            idempotency_key="form:shared",
        )
    thread.join(60)
    assert list(Refund.objects.values_list("payment_id", flat=True)) == [first.pk]
