"""A merge or a delete meets what other areas keep per customer: tags (unique per
customer), notes (personal data) and credits (an append-only ledger that a merge
does not move)."""

import pytest

from customers.lifecycle.errors import CustomerHasCredits
from customers.lifecycle.services import customer_delete, customer_merge
from customers.models import CustomerTag, Note
from customers.notes.services import customer_tags_add, note_create, tag_create
from tests.factories import CustomerFactory
from wallets.credits.entitlements import entitlement_create
from wallets.credits.models import CreditBalance
from wallets.credits.services import credit_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(business):
    return (
        CustomerFactory(business=business, email="ada@example.com"),
        CustomerFactory(business=business, email="ada.l@example.com"),
    )


def test_a_tag_on_both_customers_ends_up_once_on_the_survivor(pair, actor, business):
    duplicate, survivor = pair
    vip = tag_create(business=business, actor=actor, name="VIP", color="teal")
    eu = tag_create(business=business, actor=actor, name="EU", color="purple")
    customer_tags_add(tag=vip, customer_ids=[duplicate.pk, survivor.pk], actor=actor)
    customer_tags_add(tag=eu, customer_ids=[duplicate.pk], actor=actor)

    customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)

    on_survivor = CustomerTag.objects.filter(customer=survivor).values_list("tag__name", flat=True)
    assert sorted(on_survivor) == ["EU", "VIP"]
    assert not CustomerTag.objects.filter(customer=duplicate).exists()


def test_a_duplicate_that_holds_credits_is_not_merged(pair, actor, business):
    duplicate, survivor = pair
    calls = entitlement_create(
        business=business, actor=actor, name="API calls", unit="calls", precision=0
    )
    credit_grant(
        business=business, entitlement=calls, customer=duplicate, amount=50_000, actor=actor
    )

    with pytest.raises(CustomerHasCredits):
        customer_merge(duplicate=duplicate, survivor=survivor, actor=actor)
    assert CreditBalance.objects.get(customer=duplicate).balance == 50_000
    # The other way round, the survivor keeps its credits and the merge goes through.
    customer_merge(duplicate=survivor, survivor=duplicate, actor=actor)
    assert CreditBalance.objects.get(customer=duplicate).balance == 50_000


def test_deleting_a_customer_deletes_the_notes_about_them(pair, actor, owner):
    duplicate, _survivor = pair
    note_create(customer=duplicate, author=owner, body="Prefers calls after 6 pm")
    customer_delete(customer=duplicate, actor=actor)
    assert not Note.objects.filter(customer=duplicate).exists()
