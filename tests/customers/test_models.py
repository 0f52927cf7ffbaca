"""The Customer model (customers.models.customers): IDs, unique e-mails, initials and
search; on PostgreSQL, the indexes the search reads."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.db.models.functions import Reverse

from customers.core.formatting import short_id
from customers.core.ids import new_id
from customers.models import Customer
from tests.customers.helpers import plan
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_public_ids_are_prefixed_unguessable_and_time_ordered():
    ids = [new_id("cus") for _ in range(200)]
    assert all(re.fullmatch(r"cus_[0-9A-Za-z]{25}", i) for i in ids)
    assert len(set(ids)) == 200
    earlier, later = new_id("cus"), None
    import time

    time.sleep(0.002)
    later = new_id("cus")
    assert earlier < later


def test_customer_gets_a_cus_id(business):
    customer = CustomerFactory(business=business)
    assert customer.pk.startswith("cus_")


def test_email_is_unique_per_business_ignoring_case(business, other_business):
    CustomerFactory(business=business, email="Ada@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(business=business, email="ada@example.COM")
    # The same address is fine at another merchant.
    CustomerFactory(business=other_business, email="ada@example.com")


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Ada Lovelace", "AL"),
        ("Cher", "CH"),
        ("김민준", "김"),
        ("Jean Luc Picard", "JP"),
        ("", "A"),
    ],
)
def test_initials_for_the_avatar(name, initials):
    assert Customer(name=name, email="a@example.com").initials == initials


def test_search_matches_name_email_and_id_prefix(business):
    ada = CustomerFactory(business=business, name="Ada Lovelace", email="ada@math.org")
    grace = CustomerFactory(business=business, name="Grace Hopper", email="grace@navy.mil")
    qs = Customer.objects.for_business(business)
    assert list(qs.search("lovel")) == [ada]
    assert list(qs.search("NAVY.MIL")) == [grace]
    assert list(qs.search(ada.pk[:12]).filter(pk=ada.pk)) == [ada]
    assert set(qs.search(ada.pk)) == {ada}


def test_short_search_matches_only_prefixes(business):
    ada = CustomerFactory(business=business, name="Ada Lovelace", email="zz@example.com")
    CustomerFactory(business=business, name="Linda Park", email="linda@example.com")
    qs = Customer.objects.for_business(business)
    # "ad" starts Ada's name; it is inside "Linda" but short terms match prefixes only.
    assert list(qs.search("ad")) == [ada]


# PostgreSQL: the search's indexes exist and match the expressions the queries use.


@pytest.mark.postgres
def test_trigram_search_finds_substrings_any_case(business):
    ada = CustomerFactory(business=business, name="Ada Lovelace", email="ADA@Example.com")
    CustomerFactory(business=business, name="Grace Hopper", email="grace@example.com")
    qs = Customer.objects.for_business(business)
    assert list(qs.search("VELA")) == [ada]
    assert list(qs.search("ada@exa")) == [ada]


@pytest.mark.postgres
def test_substring_search_uses_the_trigram_indexes(many):
    # Django's icontains is UPPER(col::text) LIKE UPPER(...): the indexes must match it.
    assert "customer_name_trgm" in plan(Customer.objects.filter(name__icontains="lovelace"))
    assert "customer_email_trgm" in plan(Customer.objects.filter(email__icontains="lovelace"))


@pytest.mark.postgres
def test_short_search_uses_the_prefix_indexes(many):
    text = plan(Customer.objects.for_business(many).search("zq"))
    assert "customer_name_prefix" in text
    assert "customer_email_prefix" in text


@pytest.mark.postgres
def test_short_search_reads_the_prefix_btrees_not_the_trigram_indexes(many):
    text = plan(Customer.objects.for_business(many).search("jo"))
    assert "trgm" not in text


def test_search_matches_the_visible_end_of_an_id_and_the_shown_form(business):
    ada = CustomerFactory(business=business, name="Ada Lovelace")
    CustomerFactory.create_batch(3, business=business)
    qs = Customer.objects.for_business(business)
    assert list(qs.search(ada.pk[-6:])) == [ada]
    assert list(qs.search(short_id(ada.pk))) == [ada]  # "cus_00qY…7GVwKD", as the table shows


def test_two_korean_characters_match_inside_a_name(business):
    kang = CustomerFactory(business=business, name="강유진", email="kang@example.kr")
    CustomerFactory(business=business, name="유재석", email="yoo@example.kr")
    CustomerFactory(business=business, name="Linda Park", email="linda@example.com")
    qs = Customer.objects.for_business(business)
    assert list(qs.search("유진")) == [kang]
    assert list(qs.search("ad")) == []  # Latin two-letter terms still match prefixes only


@pytest.mark.postgres
def test_korean_infix_and_id_tail_use_their_indexes(many):
    qs = Customer.objects.for_business(many)
    assert "customer_name_bigrams" in plan(qs.search("유진"))
    # Every arm of the search has an index, so at scale the planner ORs index scans; at
    # this size it may prefer the business's rows, so the ID-tail arm is planned alone.
    tail = qs.alias(_id_rev=Reverse("id")).filter(_id_rev__startswith="DKwVG7")
    assert "customer_id_reverse" in plan(tail)
