"""The official `dodopayments` client's credit_entitlements resources against a live
server: the merchant defines a unit, grants, spends FIFO, reads grants and ledger."""

import datetime as dt

import pytest
from django.utils import timezone
from dodopayments import BadRequestError, ConflictError, NotFoundError, UnprocessableEntityError

from customers.models import Event
from tests.api.conftest import make_key
from tests.api.test_sdk import sdk
from tests.factories import CustomerFactory
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, api_key):
    return sdk(live_server, api_key)


@pytest.fixture
def calls(client):
    return client.credit_entitlements.create(
        name="API calls",
        unit="calls",
        precision=1,
        overage_enabled=False,
        rollover_enabled=False,
        description="Requests to the render API",
        expires_after_days=30,
    )


def test_entitlement_create_list_retrieve_update_delete_undelete(client, business, calls):
    assert calls.id.startswith("cde_") and calls.business_id == business.pk
    assert (calls.precision, calls.expires_after_days, calls.currency) == (1, 30, None)
    assert calls.overage_behavior == "forgive_at_reset"
    priced = client.credit_entitlements.create(
        name="Render minutes",
        unit="minutes",
        precision=0,
        overage_enabled=True,
        overage_limit=100,
        price_per_unit="0.0200",
        currency="USD",
        rollover_enabled=True,
        rollover_percentage=25,
        rollover_timeframe_count=1,
        rollover_timeframe_interval="Month",
        max_rollover_count=2,
    )
    assert priced.price_per_unit == "0.02" and priced.rollover_timeframe_interval == "Month"
    listed = [e.id for e in client.credit_entitlements.list(page_size=100).items]
    assert listed == [priced.id, calls.id]
    assert client.credit_entitlements.retrieve(calls.id, locale="ko").name == "API calls"

    client.credit_entitlements.update(calls.id, name="Calls", description=None)
    again = client.credit_entitlements.retrieve(calls.id)
    assert (again.name, again.description, again.unit) == ("Calls", None, "calls")

    client.credit_entitlements.delete(calls.id)
    assert [e.id for e in client.credit_entitlements.list().items] == [priced.id]
    assert [e.id for e in client.credit_entitlements.list(deleted=True).items] == [calls.id]
    client.credit_entitlements.undelete(calls.id)
    assert len(client.credit_entitlements.list().items) == 2


def test_bad_entitlements_are_refused_with_the_field_named(client):
    with pytest.raises(UnprocessableEntityError) as bad:
        client.credit_entitlements.create(
            name="X", unit="u", precision=4, overage_enabled=False, rollover_enabled=False
        )
    assert "precision" in bad.value.body["message"]
    with pytest.raises(UnprocessableEntityError) as bad:
        client.credit_entitlements.create(
            name="X",
            unit="u",
            precision=0,
            overage_enabled=False,
            rollover_enabled=False,
            price_per_unit="1.5",
        )
    assert bad.value.body["code"] == "CREDIT_ENTITLEMENT_INCONSISTENT"


def test_grant_debit_fifo_grants_ledger_and_balances(client, business, calls):
    customer = CustomerFactory(business=business)
    balances = client.credit_entitlements.balances
    soon = timezone.now() + dt.timedelta(days=3)
    first = balances.create_ledger_entry(
        customer.pk, credit_entitlement_id=calls.id, amount="100", entry_type="credit"
    )
    assert (first.balance_before, first.balance_after, first.entry_type) == (
        "0.0",
        "100.0",
        "credit",
    )
    second = balances.create_ledger_entry(
        customer.pk,
        credit_entitlement_id=calls.id,
        amount="20.5",
        entry_type="credit",
        expires_at=soon,
        metadata={"campaign": "spring"},
    )
    spent = balances.create_ledger_entry(
        customer.pk,
        credit_entitlement_id=calls.id,
        amount="30",
        entry_type="debit",
        reason="usage",
        idempotency_key="usage-2026-03-01",
    )
    assert spent.grant_id == second.grant_id  # the grant that expires first
    assert (spent.balance_before, spent.balance_after, spent.is_credit) == ("120.5", "90.5", False)
    replay = balances.create_ledger_entry(
        customer.pk,
        credit_entitlement_id=calls.id,
        amount="30",
        entry_type="debit",
        reason="usage",
        idempotency_key="usage-2026-03-01",
    )
    assert replay.id == spent.id
    with pytest.raises(ConflictError) as reused:
        balances.create_ledger_entry(
            customer.pk,
            credit_entitlement_id=calls.id,
            amount="31",
            entry_type="debit",
            idempotency_key="usage-2026-03-01",
        )
    assert reused.value.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    with pytest.raises(BadRequestError) as short:
        balances.create_ledger_entry(
            customer.pk, credit_entitlement_id=calls.id, amount="91", entry_type="debit"
        )
    assert short.value.body["code"] == "INSUFFICIENT_CREDITS"
    with pytest.raises(UnprocessableEntityError) as fine:
        balances.create_ledger_entry(
            customer.pk, credit_entitlement_id=calls.id, amount="0.25", entry_type="debit"
        )
    assert fine.value.body["code"] == "CREDIT_AMOUNT_PRECISION"

    balance = balances.retrieve(customer.pk, credit_entitlement_id=calls.id)
    assert (balance.balance, balance.overage) == ("90.5", "0.0")
    assert [b.customer_id for b in balances.list(calls.id).items] == [customer.pk]
    grants = balances.list_grants(customer.pk, credit_entitlement_id=calls.id).items
    assert [(g.id, g.remaining_amount) for g in grants] == [
        (second.grant_id, "0.0"),
        (first.grant_id, "90.5"),
    ]
    active = balances.list_grants(customer.pk, credit_entitlement_id=calls.id, status="active")
    assert [g.id for g in active.items] == [first.grant_id]
    ledger = balances.list_ledger(customer.pk, credit_entitlement_id=calls.id).items
    assert [e.transaction_type for e in ledger] == [
        "credit_deducted",
        "credit_added",
        "credit_added",
    ]
    assert ledger[1].metadata == {"campaign": "spring"}
    only = balances.list_ledger(
        customer.pk, credit_entitlement_id=calls.id, transaction_type="credit_deducted"
    )
    assert [e.id for e in only.items] == [spent.id]
    held = client.customers.list_credit_entitlements(customer.pk).items
    assert [(i.credit_entitlement_id, i.balance, i.unit) for i in held] == [
        (calls.id, "90.5", "calls")
    ]
    assert Event.objects.filter(type="credit.deducted").count() == 1
    assert verify_ledgers().ok


def test_other_business_and_unknown_objects_are_404(client, live_server, other_business, calls):
    stranger = CustomerFactory(business=other_business)
    other = sdk(live_server, make_key(other_business, name="Globex"))
    with pytest.raises(NotFoundError):
        other.credit_entitlements.retrieve(calls.id)
    with pytest.raises(NotFoundError):
        client.credit_entitlements.balances.create_ledger_entry(
            stranger.pk, credit_entitlement_id=calls.id, amount="1", entry_type="credit"
        )
    with pytest.raises(NotFoundError):
        client.credit_entitlements.balances.retrieve(stranger.pk, credit_entitlement_id=calls.id)
