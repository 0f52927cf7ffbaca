"""Deleting and merging customers: personal data goes, money and figures stay right."""

import pytest

from customers.lifecycle.errors import (
    CustomerAlreadyDeleted,
    CustomerHasActiveSubscription,
    CustomerHasWalletBalance,
    InvalidMerge,
)
from customers.lifecycle.services import (
    customer_delete,
    customer_merge,
    customer_merge_preview,
    merged_survivor,
)
from customers.models import (
    Customer,
    CustomerSpend,
    CustomerTombstone,
    Event,
    LicenseKey,
    Payment,
    Refund,
    SignupDay,
    Subscription,
    is_tombstone,
)
from customers.services import customer_create
from portal.models import PortalLink, PortalLogin
from portal.services import portal_login_start, portal_session_create
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)
from wallets.models import LedgerEntry, Wallet
from wallets.services import ledger_post
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db


def credit(customer, amount, actor, currency="USD"):
    return ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction="credit",
        event_type="merchant_adjustment",
        reason="test",
        actor=actor,
    )


def spend(customer):
    return {
        s.currency: (s.paid, s.refunded) for s in CustomerSpend.objects.filter(customer=customer)
    }


# ---------------------------------------------------------------- delete


def test_delete_erases_personal_data_and_keeps_payments(customer, actor):
    customer.phone_number = "+14155550134"
    customer.metadata = {"plan": "gold"}
    customer.save()
    payment = PaymentFactory(customer=customer, total_amount=5000)
    RefundFactory(payment=payment, amount=1000)
    before = spend(customer)

    customer_delete(customer=customer, actor=actor)

    customer.refresh_from_db()
    assert is_tombstone(customer)
    assert (customer.name, customer.phone_number, customer.metadata) == ("", "", {})
    assert "ada" not in customer.email
    assert Payment.objects.get(pk=payment.pk).customer_id == customer.pk
    assert spend(customer) == before == {"USD": (5000, 1000)}
    tomb = CustomerTombstone.objects.get(customer=customer)
    assert tomb.reason == "deleted" and tomb.actor_label == actor.label
    event = Event.objects.get(type="customer.deleted")
    assert event.actor_label == actor.label and event.customer_id == customer.pk


def test_deleted_customers_email_can_be_used_again(customer, actor, business):
    customer_delete(customer=customer, actor=actor)
    again = customer_create(business=business, actor=actor, name="Ada", email="ADA@example.com")
    assert again.pk != customer.pk


def test_delete_scrubs_personal_data_from_the_customers_own_events(business, actor):
    customer = customer_create(business=business, actor=actor, name="Grace", email="g@x.test")
    customer_delete(customer=customer, actor=actor)
    created = Event.objects.get(type="customer.created", object_id=customer.pk)
    assert "g@x.test" not in str(created.payload)


def test_delete_is_refused_while_a_subscription_can_bill(customer, actor):
    SubscriptionFactory(customer=customer, status="active")
    with pytest.raises(CustomerHasActiveSubscription):
        customer_delete(customer=customer, actor=actor)
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace"
    assert not Event.objects.filter(type="customer.deleted").exists()


def test_delete_is_allowed_once_subscriptions_ended(customer, actor):
    SubscriptionFactory(customer=customer, status="cancelled")
    customer_delete(customer=customer, actor=actor)
    assert is_tombstone(Customer.objects.get(pk=customer.pk))


def test_delete_is_refused_while_the_wallet_holds_money(customer, actor):
    credit(customer, 500, actor)
    with pytest.raises(CustomerHasWalletBalance):
        customer_delete(customer=customer, actor=actor)
    assert not is_tombstone(Customer.objects.get(pk=customer.pk))


def test_deleting_twice_is_refused(customer, actor):
    customer_delete(customer=customer, actor=actor)
    with pytest.raises(CustomerAlreadyDeleted):
        customer_delete(customer=customer, actor=actor)


def test_delete_ends_portal_access(customer, actor):
    _link, url = portal_session_create(customer=customer, actor=actor)
    portal_login_start(token=url.rstrip("/").rsplit("/", 1)[-1])
    customer_delete(customer=customer, actor=actor)
    assert not PortalLink.objects.filter(customer=customer, revoked_at__isnull=True).exists()
    assert not PortalLogin.objects.filter(customer=customer, ended_at__isnull=True).exists()


def test_delete_keeps_the_signup_count(customer, actor, business):
    before = sum(SignupDay.objects.filter(business=business).values_list("customers", flat=True))
    customer_delete(customer=customer, actor=actor)
    after = sum(SignupDay.objects.filter(business=business).values_list("customers", flat=True))
    assert before == after == 1


# ---------------------------------------------------------------- merge


@pytest.fixture
def pair(business, customer):
    duplicate = CustomerFactory(business=business, name="Ada L.", email="ada@old.test")
    return duplicate, customer


def test_merge_moves_payments_refunds_subscriptions_and_keys(pair, actor):
    duplicate, survivor = pair
    payment = PaymentFactory(customer=duplicate, total_amount=4000)
    RefundFactory(payment=payment, amount=500)
    PaymentFactory(customer=survivor, total_amount=1000)
    sub = SubscriptionFactory(customer=duplicate)
    key = LicenseKeyFactory(customer=duplicate)

    preview = customer_merge_preview(duplicate=duplicate, survivor=survivor)
    counts = dict(preview.rows)
    assert counts["payments"] == 1 and counts["refunds"] == 1
    assert counts["subscriptions"] == 1 and counts["license keys"] == 1

    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)

    assert Payment.objects.filter(customer=survivor).count() == 2
    assert Refund.objects.get().customer_id == survivor.pk
    assert Subscription.objects.get(pk=sub.pk).customer_id == survivor.pk
    assert LicenseKey.objects.get(pk=key.pk).customer_id == survivor.pk
    assert spend(survivor) == {"USD": (5000, 500)}
    assert spend(duplicate) == {}
    duplicate.refresh_from_db()
    assert is_tombstone(duplicate)
    assert merged_survivor(duplicate) == survivor
    event = Event.objects.get(type="customer.merged")
    assert event.payload["duplicate_id"] == duplicate.pk
    assert event.payload["moved"]["payments"] == 1


def test_merge_moves_wallet_money_as_two_ledger_entries(pair, actor):
    duplicate, survivor = pair
    credit(duplicate, 700, actor)
    credit(duplicate, 300, actor, currency="INR")
    credit(survivor, 100, actor)

    preview = customer_merge_preview(duplicate=duplicate, survivor=survivor)
    assert preview.wallets == [("INR", 300), ("USD", 700)]
    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)

    balances = dict(Wallet.objects.filter(customer=survivor).values_list("currency", "balance"))
    assert balances == {"USD": 800, "INR": 300}
    assert set(Wallet.objects.filter(customer=duplicate).values_list("balance", flat=True)) == {0}
    moves = LedgerEntry.objects.filter(reference_id=duplicate.pk, event_type="merchant_adjustment")
    assert sorted(moves.values_list("customer_id", "direction", "amount")) == sorted(
        [
            (duplicate.pk, "debit", 700),
            (survivor.pk, "credit", 700),
            (duplicate.pk, "debit", 300),
            (survivor.pk, "credit", 300),
        ]
    )
    assert verify_ledgers(business_id=survivor.business_id).ok


def test_merge_moves_events_and_portal_links(pair, actor):
    duplicate, survivor = pair
    portal_session_create(customer=duplicate, actor=actor)
    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)
    assert PortalLink.objects.get().customer_id == survivor.pk
    assert not Event.objects.filter(customer_id=duplicate.pk).exists()


def test_merging_a_customer_into_itself_or_across_businesses_is_refused(
    pair, actor, other_business
):
    duplicate, survivor = pair
    with pytest.raises(InvalidMerge):
        customer_merge(duplicate=survivor, survivor=survivor, actor=actor)
    stranger = CustomerFactory(business=other_business)
    with pytest.raises(InvalidMerge):
        customer_merge(duplicate=duplicate, survivor=stranger, actor=actor)


def test_a_merged_customer_cannot_be_merged_or_deleted_again(pair, actor, business):
    duplicate, survivor = pair
    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)
    duplicate.refresh_from_db()
    third = CustomerFactory(business=business)
    with pytest.raises(CustomerAlreadyDeleted):
        customer_merge(duplicate=duplicate, survivor=third, actor=actor)
    with pytest.raises(CustomerAlreadyDeleted):
        customer_delete(customer=duplicate, actor=actor)


def test_merge_chains_resolve_to_the_last_survivor(pair, actor, business):
    duplicate, survivor = pair
    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)
    third = CustomerFactory(business=business)
    customer_merge(duplicate=survivor, survivor=third, actor=actor)
    assert merged_survivor(Customer.objects.get(pk=duplicate.pk)) == third
