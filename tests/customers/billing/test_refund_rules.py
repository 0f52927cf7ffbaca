"""The refund rule at its edges: the last day of the window, the last cent, and the
allowance read off the tab's annotation without a query per row."""

import datetime as dt

import pytest

from customers.billing import refunds
from customers.core import errors
from customers.models import Payment
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
