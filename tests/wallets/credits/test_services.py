"""Grants, FIFO debits, overage, idempotency, expiry and rollover through the services."""

import datetime as dt

import pytest

from customers.models import Event
from tests.wallets.credits.helpers import ACTOR, NOW, debit, entitlement, grant
from wallets.credits.entitlements import (
    InconsistentEntitlement,
    entitlement_delete,
    entitlement_update,
)
from wallets.credits.errors import (
    CreditEntitlementDeleted,
    CreditIdempotencyKeyReused,
    InsufficientCredits,
    InvalidCreditRequest,
)
from wallets.credits.expiry import credits_expire
from wallets.credits.models import CreditAllocation, CreditBalance, CreditGrant, CreditLedgerEntry
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def balance_of(ent, customer) -> int:
    return CreditBalance.objects.get(entitlement=ent, customer=customer).balance


def test_a_grant_creates_balance_grant_entry_and_event(business, customer):
    ent = entitlement(business, expires_after_days=30)
    entry = grant(ent, customer, 120, now=NOW, reason="Welcome")
    assert entry.is_credit and entry.amount == 120_000
    assert (entry.balance_before, entry.balance_after) == (0, 120_000)
    g = entry.grant
    assert g.remaining_amount == g.initial_amount == 120_000
    assert g.expires_at == NOW + 30 * DAY and g.source_type == "api"
    assert balance_of(ent, customer) == 120_000
    assert Event.objects.filter(type="credit.added", object_id=entry.pk).exists()
    assert verify_ledgers().ok


def test_a_debit_spends_the_grant_that_expires_first_and_spans_grants(business, customer):
    ent = entitlement(business)
    never = grant(ent, customer, 50, now=NOW).grant
    late = grant(ent, customer, 30, now=NOW, expires_at=NOW + 20 * DAY).grant
    soon = grant(ent, customer, 10, now=NOW, expires_at=NOW + 5 * DAY).grant
    entry = debit(ent, customer, 25, now=NOW + DAY)
    splits = {a.grant_id: a.amount for a in CreditAllocation.objects.filter(entry=entry)}
    assert splits == {soon.pk: 10_000, late.pk: 15_000}
    assert entry.grant_id == soon.pk  # the first grant it took from
    assert (entry.balance_before, entry.balance_after) == (90_000, 65_000)
    remaining = dict(CreditGrant.objects.values_list("pk", "remaining_amount"))
    assert remaining == {soon.pk: 0, late.pk: 15_000, never.pk: 50_000}
    assert verify_ledgers().ok


def test_a_debit_above_the_balance_is_refused_and_writes_nothing(business, customer):
    ent = entitlement(business)
    grant(ent, customer, 10)
    with pytest.raises(InsufficientCredits) as refused:
        debit(ent, customer, 10.5 if ent.precision else 11)
    assert refused.value.available == 10_000
    assert CreditLedgerEntry.objects.count() == 1 and balance_of(ent, customer) == 10_000


def test_overage_within_its_limit_then_a_credit_repays_it(business, customer):
    ent = entitlement(
        business, overage_enabled=True, overage_limit=5, price_per_unit="0.01", currency="USD"
    )
    grant(ent, customer, 10)
    entry = debit(ent, customer, 14)
    assert (entry.balance_after, entry.overage_after) == (0, 4_000)
    # A debit into overage is a deduction; overage is charged (if at all) at renewal.
    types = set(Event.objects.filter(object_id=entry.pk).values_list("type", flat=True))
    assert types == {"credit.deducted"}
    with pytest.raises(InsufficientCredits):
        debit(ent, customer, 2)  # 6 > the limit of 5
    repay = grant(ent, customer, 10)
    assert (repay.balance_after, repay.overage_after) == (6_000, 0)
    assert repay.grant.remaining_amount == 6_000
    assert verify_ledgers().ok


def test_decimals_follow_the_precision(business, customer):
    ent = entitlement(business, precision=2)
    grant(ent, customer, 1.25)
    with pytest.raises(InvalidCreditRequest):
        debit(ent, customer, 0.125)
    assert debit(ent, customer, 0.5).balance_after == 750


def test_a_replayed_key_returns_the_first_entry_and_another_request_is_refused(business, customer):
    ent = entitlement(business)
    first = grant(ent, customer, 5, idempotency_key="k1")
    again = grant(ent, customer, 5, idempotency_key="k1")
    assert again.pk == first.pk and CreditLedgerEntry.objects.count() == 1
    with pytest.raises(CreditIdempotencyKeyReused):
        grant(ent, customer, 6, idempotency_key="k1")
    with pytest.raises(CreditIdempotencyKeyReused):
        debit(ent, customer, 5, idempotency_key="k1")


def test_a_deleted_entitlement_moves_no_credits(business, customer):
    ent = entitlement(business)
    entitlement_delete(entitlement=ent, actor=ACTOR)
    ent.refresh_from_db()
    with pytest.raises(CreditEntitlementDeleted):
        grant(ent, customer, 1)


def test_entitlement_rules_hold_across_fields(business):
    ent = entitlement(business)
    with pytest.raises(InconsistentEntitlement):
        entitlement_update(entitlement=ent, actor=ACTOR, price_per_unit="0.5")
    with pytest.raises(InconsistentEntitlement):
        entitlement_update(entitlement=ent, actor=ACTOR, rollover_timeframe_count=2)
    with pytest.raises(InvalidCreditRequest):
        entitlement_update(entitlement=ent, actor=ACTOR, precision=2)
    with pytest.raises(InvalidCreditRequest):
        entitlement(business, name="  ")


def test_expiry_closes_due_grants_once(business, customer):
    ent = entitlement(business, expires_after_days=7)
    grant(ent, customer, 40, now=NOW)
    debit(ent, customer, 15, now=NOW + DAY)
    assert credits_expire(now=NOW + 6 * DAY) == 0
    assert credits_expire(now=NOW + 7 * DAY) == 1
    assert credits_expire(now=NOW + 8 * DAY) == 0  # a second run changes nothing
    expired = CreditLedgerEntry.objects.get(transaction_type="credit_expired")
    assert (expired.amount, expired.balance_after) == (25_000, 0)
    assert CreditGrant.objects.get().is_expired
    assert Event.objects.filter(type="credit.expired").count() == 1
    assert verify_ledgers().ok


def test_a_debit_never_spends_credits_past_their_expiry(business, customer):
    ent = entitlement(business, expires_after_days=7)
    grant(ent, customer, 40, now=NOW)
    with pytest.raises(InsufficientCredits):
        debit(ent, customer, 1, now=NOW + 8 * DAY)
    assert balance_of(ent, customer) == 40_000  # the refusal rolled the expiry back too


def test_rollover_moves_the_allowed_share_and_forfeits_the_rest(business, customer):
    ent = entitlement(
        business,
        expires_after_days=30,
        rollover_enabled=True,
        rollover_percentage=50,
        rollover_timeframe_count=1,
        rollover_timeframe_interval="Month",
        max_rollover_count=1,
    )
    first = grant(ent, customer, 101, now=NOW).grant
    credits_expire(now=NOW + 30 * DAY)
    rolled = CreditGrant.objects.get(source_type="rollover")
    assert rolled.parent_grant_id == first.pk and rolled.rollover_count == 1
    assert rolled.initial_amount == 50_000  # half of 101, whole credits (precision 0)
    assert rolled.expires_at == dt.datetime(2026, 4, 30, 12, tzinfo=dt.UTC)
    forfeited = CreditLedgerEntry.objects.get(transaction_type="rollover_forfeited")
    assert forfeited.amount == 51_000
    first.refresh_from_db()
    assert first.is_expired and first.is_rolled_over and first.remaining_amount == 0
    assert balance_of(ent, customer) == 50_000
    assert Event.objects.filter(type="credit.rolled_over").count() == 1
    assert Event.objects.filter(type="credit.rollover_forfeited").count() == 1
    # max_rollover_count = 1: the rolled grant expires outright next time.
    credits_expire(now=NOW + 70 * DAY)
    assert balance_of(ent, customer) == 0
    assert CreditLedgerEntry.objects.filter(transaction_type="credit_expired").count() == 1
    assert verify_ledgers().ok


def test_rolled_over_credits_live_from_when_their_grant_expired_not_when_the_job_ran(
    business, customer
):
    """A worker that was down for three days does not give the customer three more days."""
    ent = entitlement(
        business,
        expires_after_days=30,
        rollover_enabled=True,
        rollover_percentage=100,
        rollover_timeframe_count=7,
        rollover_timeframe_interval="Day",
    )
    first = grant(ent, customer, 10, now=NOW).grant
    credits_expire(now=first.expires_at + 3 * DAY)
    rolled = CreditGrant.objects.get(source_type="rollover")
    assert rolled.expires_at == first.expires_at + 7 * DAY
    assert verify_ledgers().ok


def test_another_business_customer_is_refused(business, other_business, customer):
    ent = entitlement(other_business)
    with pytest.raises(InvalidCreditRequest):
        grant(ent, customer, 1)
