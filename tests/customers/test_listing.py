"""The customer list's order (customers.listing): on PostgreSQL, the first page and every
sort of the table read an index instead of sorting the business's customers."""

import pytest

from customers.listing import ordering
from customers.models import Customer
from tests.customers.helpers import plan

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_first_page_is_served_by_the_business_created_index(many):
    qs = Customer.objects.for_business(many).order_by("-created_at", "-id")[:25]
    assert "customer_business_created" in plan(qs)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("name", "customer_business_name"),
        ("-email", "customer_business_email"),
        ("phone_number", "customer_business_phone"),
        ("-updated_at", "customer_business_updated"),
    ],
)
def test_every_sort_of_the_table_reads_an_index(many, sort, index):
    qs = Customer.objects.for_business(many).order_by(*ordering(sort))[:25]
    assert index in plan(qs)


def _fund(customer, currency, amount):
    from customers.audit import Actor
    from wallets.services import ledger_post

    ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction="credit",
        event_type="merchant_adjustment",
        reason="test",
        actor=Actor.system("tests"),
    )


@pytest.mark.parametrize("flat", ["has_wallet_balance", "has_active_subscription"])
def test_a_wallet_or_subscription_filter_alone_is_counted_on_its_own_table(flat):
    """The count of "has a wallet balance" (or "an active subscription") reads the wallets
    (subscriptions), each customer once, not every customer: the same number, flat as
    customers grow. With another filter beside it, the matches are counted as ever."""
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from customers.listing import CustomerList
    from tests.factories import BusinessFactory, CustomerFactory, SubscriptionFactory

    business = BusinessFactory()
    twice, once, none = (CustomerFactory(business=business, phone_number="") for _ in range(3))
    CustomerFactory.create_batch(2, business=business)
    other = CustomerFactory()  # another business's customer is never counted
    if flat == "has_wallet_balance":
        _fund(twice, "USD", 500)
        _fund(twice, "INR", 500)
        _fund(once, "USD", 100)
        _fund(other, "USD", 100)
    else:
        for customer in (twice, twice, once, other):
            SubscriptionFactory(customer=customer, business=customer.business, status="active")
        SubscriptionFactory(customer=none, business=business, status="cancelled")

    alone = CustomerList(QueryDict(f"{flat}=true"), business=business)
    with CaptureQueriesContext(connection) as counted:
        assert alone.capped_count() == (2, False)
    assert "customers_customer" not in counted.captured_queries[0]["sql"]
    assert {c.pk for c in alone.ordered()} == {twice.pk, once.pk}

    with_phone = CustomerList(QueryDict(f"{flat}=true&has_phone=false"), business=business)
    assert with_phone.capped_count() == (2, False)
    without = CustomerList(QueryDict(f"{flat}=false"), business=business)
    assert without.capped_count() == (3, False)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ("credits={calls}", {"Ada"}),
        ("credits={calls}&credits_below=100", {"Bob", "Cy"}),
        ("credits={calls}&credits_overage=true", {"Cy"}),
        ("credits_overage=true", {"Cy"}),
        ("credits={minutes}", {"Ada"}),
    ],
)
def test_the_credit_filters_alone_are_counted_on_the_balances(credit_shop, params, names):
    """Like the wallet filter: the count of customers holding credits reads the balances,
    each customer once, not every customer — the same number as the matches."""
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from customers.listing import CustomerList

    shop = credit_shop
    query = params.format(calls=shop.calls.pk, minutes=shop.minutes.pk)
    alone = CustomerList(QueryDict(query), business=shop.ada.business)
    with CaptureQueriesContext(connection) as counted:
        assert alone.capped_count() == (len(names), False)
    assert "customers_customer" not in counted.captured_queries[-1]["sql"]
    assert {c.name for c in alone.ordered()} == names
    with_phone = CustomerList(QueryDict(f"{query}&has_phone=true"), business=shop.ada.business)
    assert with_phone.capped_count()[0] == len([c for c in with_phone.ordered() if c.phone_number])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("", 4),
        ("created_after=2026-03-02", 2),
        ("created_before=2026-03-01", 2),
        ("created_after=2026-03-02&created_before=2026-03-02", 1),
    ],
)
def test_with_no_filter_but_the_dates_the_count_is_the_kept_sign_ups(params, expected):
    """Unfiltered, or by sign-up dates only, how many match is the kept daily sign-ups'
    sum (SignupDay, kept by triggers on both databases): the same number as counting
    the customers, after a customer is deleted and another's sign-up day changes."""
    import datetime as dt

    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from customers.listing import CustomerList
    from tests.factories import BusinessFactory, CustomerFactory

    business = BusinessFactory()
    day = lambda d, h=12: dt.datetime(2026, 3, d, h, tzinfo=dt.UTC)  # noqa: E731
    for at in (day(1, 0), day(1, 23), day(2), day(3), day(4)):
        CustomerFactory(business=business, created_at=at)
    CustomerFactory(created_at=day(2))  # another business's customer is never counted
    Customer.objects.filter(business=business, created_at=day(4)).delete()
    Customer.objects.filter(business=business, created_at=day(3)).update(created_at=day(3, 6))

    listed = CustomerList(QueryDict(params), business=business)
    with CaptureQueriesContext(connection) as counted:
        found = listed.capped_count()
    assert found == (expected, False)
    assert "customers_customer" not in counted.captured_queries[0]["sql"]
    assert found[0] == listed.queryset.count()  # what counting the customers says


def test_the_apis_time_bounds_are_filters_the_count_cannot_take_from_the_kept_sign_ups():
    """The API filters by `created_at_gte`/`created_at_lte` (moments, not UTC days): its
    list counts the customers within them."""
    import datetime as dt

    from customers.api.customers import CustomerFilters
    from customers.listing import CustomerList
    from tests.factories import BusinessFactory, CustomerFactory

    business = BusinessFactory()
    for hour in (1, 13, 23):
        CustomerFactory(business=business, created_at=dt.datetime(2026, 3, 1, hour, tzinfo=dt.UTC))
    noon = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    # As the API makes it: with the business's ID.
    listed = CustomerList(business=business.pk, filters=CustomerFilters(created_at_gte=noon))
    assert listed.known_count is None
    assert listed.capped_count() == (2, False)
    everyone = CustomerList(business=business.pk, filters=CustomerFilters())
    assert everyone.capped_count() == (3, False)  # the kept sign-ups' sum


@pytest.mark.parametrize(
    "params",
    [
        "created_after=2026-03-02",
        "created_before=2026-03-02&has_phone=true",
        "has_phone=false&sort=name",
        "has_wallet_balance=true&has_active_subscription=false&sort=-email",
        "tag={vip}&created_after=2026-03-01",
        "tag={vip}&has_phone=true&sort=created_at",
        "ids={some}",
        "ids={some}&has_phone=true&sort=name",
        "ids={three}&sort=-email",  # padded to four with an ID no customer has
    ],
)
def test_a_list_filtered_by_prepared_filters_shows_what_the_filters_match(params):
    """Filtered only by filters whose SQL takes their value as a parameter (dates, a tag,
    yes/no), the table reads a prepared selector: the same customers in the same order,
    and the same count, as the filters' own queryset."""
    import datetime as dt

    from django.http import QueryDict

    from customers.core.prepared import PreparedRows
    from customers.listing import CustomerList
    from customers.models import CustomerTag, Tag
    from tests.factories import BusinessFactory, CustomerFactory, SubscriptionFactory

    business = BusinessFactory()
    vip = Tag.objects.create(business=business, name="VIP", color="blue")
    made = []
    for i in range(12):
        made.append(
            CustomerFactory(
                business=business,
                name=f"Customer {11 - i:02d}",
                email=f"c{i:02d}@example.com",
                phone_number="+821012345678" if i % 2 else "",
                created_at=dt.datetime(2026, 3, 1 + i % 4, 8 + i, tzinfo=dt.UTC),
            )
        )
    for customer in made[::3]:
        CustomerTag.objects.create(business=business, customer=customer, tag=vip)
    for customer in made[:5]:
        _fund(customer, "USD", 100)
    SubscriptionFactory(customer=made[1], business=business, status="active")
    CustomerFactory(phone_number="+821099998888")  # another business's: never listed

    some, three = ",".join(c.pk for c in made[1:9:2]), ",".join(c.pk for c in made[:3])
    query = QueryDict(params.format(vip=vip.pk, some=some, three=three))
    listed = CustomerList(query, business=business)
    rows = listed.table_rows(["name", "email", "tags"], [])
    assert isinstance(rows.data, PreparedRows)
    expected = list(listed.ordered().values_list("pk", flat=True))
    assert expected  # every case matches someone
    assert [c.pk for c in rows.data[0:50]] == expected
    counted = listed.pagination()
    if counted["known_count"] is None:
        assert counted["count_queryset"].count_upto(100) == len(expected)
    else:
        assert counted["known_count"] == len(expected)
