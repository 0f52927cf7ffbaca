"""The customer table, the details page and the customer form (customers.views):
search, filters, sort, pages, columns, permissions and isolation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Event, Membership, TablePreference
from tests.customers.helpers import names
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_full_page_and_htmx_fragment(owner_client, customer):
    full = owner_client.get(LIST)
    assert full.status_code == 200
    html = full.content.decode()
    assert "<html" in html and 'id="customer-filters"' in html and customer.name in html
    assert "HX-Request" in full["Vary"]

    fragment = owner_client.get(LIST, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="customer-filters"' not in body
    assert body.lstrip().startswith('<section id="customer-table"')
    assert customer.name in body


def test_history_restore_gets_the_full_page(owner_client, customer):
    response = owner_client.get(
        LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("term", "expected"),
    [("lovelace", ["Ada Lovelace"]), ("HOPPER@NAVY", ["Grace Hopper"]), ("gr", ["Grace Hopper"])],
)
def test_search_by_name_and_email(owner_client, business, term, expected):
    CustomerFactory(business=business, name="Ada Lovelace", email="ada@math.org")
    CustomerFactory(business=business, name="Grace Hopper", email="hopper@navy.mil")
    assert names(owner_client.get(LIST, {"q": term})) == expected


def test_search_by_customer_id(owner_client, business):
    ada = CustomerFactory(business=business, name="Ada Lovelace")
    CustomerFactory(business=business, name="Grace Hopper")
    assert names(owner_client.get(LIST, {"q": ada.pk})) == ["Ada Lovelace"]


def test_no_match_state_and_empty_state(owner_client, business):
    empty = owner_client.get(LIST).content.decode()
    assert "No customers yet" in empty
    CustomerFactory(business=business)
    no_match = owner_client.get(LIST, {"q": "zzzzzz"}).content.decode()
    assert "No customers match" in no_match


def test_filters_by_created_date_and_phone(owner_client, business):
    now = timezone.now()
    CustomerFactory(business=business, name="Old", created_at=now - dt.timedelta(days=40))
    CustomerFactory(business=business, name="New", created_at=now, phone_number="")
    after = (now - dt.timedelta(days=1)).date().isoformat()
    assert names(owner_client.get(LIST, {"created_after": after})) == ["New"]
    before = (now - dt.timedelta(days=30)).date().isoformat()
    assert names(owner_client.get(LIST, {"created_before": before})) == ["Old"]
    assert names(owner_client.get(LIST, {"has_phone": "true"})) == ["Old"]
    assert names(owner_client.get(LIST, {"has_phone": "false"})) == ["New"]


def test_bad_filter_dates_show_a_message_not_an_error(owner_client, customer):
    response = owner_client.get(LIST, {"created_after": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert names(response) == [customer.name]


def test_sorting_and_unknown_sort_keys(owner_client, business):
    CustomerFactory(business=business, name="Bravo")
    CustomerFactory(business=business, name="Alpha")
    CustomerFactory(business=business, name="Charlie")
    assert names(owner_client.get(LIST, {"sort": "name"})) == ["Alpha", "Bravo", "Charlie"]
    assert names(owner_client.get(LIST, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]
    # Newest first by default; nonsense sort keys fall back to it.
    default = names(owner_client.get(LIST))
    assert names(owner_client.get(LIST, {"sort": "password; drop table"})) == default
    assert default == ["Bravo", "Alpha", "Charlie"]


@pytest.mark.parametrize(
    ("params", "rows", "page"),
    [
        ({}, 25, 1),
        ({"per_page": "10"}, 10, 1),
        ({"per_page": "100000"}, 25, 1),
        ({"per_page": "abc"}, 25, 1),
        ({"page": "abc"}, 25, 1),
        ({"page": "-3"}, 25, 1),
        ({"page": "999", "per_page": "10"}, 10, 3),
    ],
)
def test_pagination_params_are_forgiving(owner_client, business, params, rows, page):
    CustomerFactory.create_batch(30, business=business)
    response = owner_client.get(LIST, params)
    assert response.status_code == 200
    table = response.context["table"]
    assert len(table.page.object_list) == rows
    assert table.page.number == page


def test_result_count_is_capped(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 5
    CustomerFactory.create_batch(8, business=business)
    html = owner_client.get(LIST, {"per_page": "10"}).content.decode()
    assert "5+ customers" in html
    assert "Search or filter to narrow them down" in html


def test_oversized_search_is_refused_politely(owner_client, customer):
    response = owner_client.get(LIST, {"q": "x" * 5000})
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()


def test_other_businesses_customers_are_invisible(owner_client, business, other_business):
    mine = CustomerFactory(business=business, name="Mine")
    theirs = CustomerFactory(business=other_business, name="Theirs")
    assert names(owner_client.get(LIST)) == ["Mine"]
    assert names(owner_client.get(LIST, {"q": theirs.pk})) == []
    assert owner_client.get(reverse("customers:detail", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("customers:edit", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("customers:detail", args=[mine.pk])).status_code == 200


def test_query_count_does_not_grow_with_rows(owner_client, business, django_assert_max_num_queries):
    CustomerFactory.create_batch(3, business=business)
    with django_assert_max_num_queries(8) as small:
        owner_client.get(LIST)
    CustomerFactory.create_batch(60, business=business)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(LIST, {"per_page": "50", "q": "example"})


def test_columns_choice_is_saved_per_user_and_business(owner_client, owner, business, customer):
    response = owner_client.post(
        reverse("customers:columns"),
        {"columns": ["email", "name"], "order": "email,name,id", "next": LIST + "?q=ada"},
    )
    assert response.status_code == 302 and response["Location"] == LIST + "?q=ada"
    pref = TablePreference.objects.get(user=owner, business=business)
    assert pref.columns == ["email", "name"]
    table = owner_client.get(LIST).context["table"]
    assert [c.name for c in table.columns] == ["email", "name"]
    # Another member of the same business still sees the defaults.
    other = MembershipFactory(business=business, role=Membership.Role.ADMIN).user
    owner_client.force_login(other)
    columns = [c.name for c in owner_client.get(LIST).context["table"].columns]
    assert columns == ["name", "id", "email", "phone_number", "created_at", "invite"]


def test_columns_can_be_moved_without_javascript(owner_client, owner, business):
    owner_client.post(
        reverse("customers:columns"),
        {
            "columns": ["name", "id", "email"],
            "order": "name,id,email,phone_number",
            "move": "up:email",
        },
    )
    assert TablePreference.objects.get(user=owner).columns == ["name", "email", "id"]


def test_columns_from_the_url_override_and_unknown_names_are_ignored(owner_client, customer):
    table = owner_client.get(LIST, {"columns": "metadata,bogus,email"}).context["table"]
    assert [c.name for c in table.columns] == ["metadata", "email"]


def test_hiding_every_column_is_refused(owner_client, owner):
    response = owner_client.post(reverse("customers:columns"), {"order": "name"}, follow=True)
    assert "Choose at least one column" in response.content.decode()
    assert not TablePreference.objects.filter(user=owner).exists()


def test_details_page_shows_about(owner_client, customer):
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    for text in (customer.name, customer.email, customer.pk, "+14155550134", "About"):
        assert text in html


def test_create_customer(owner_client, business):
    response = owner_client.post(
        reverse("customers:create"),
        {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone_number": "+44 20 7946 0958",
            "preferred_locale": "en",
            "metadata": '{"plan": "pro"}',
        },
    )
    customer = Customer.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.metadata == {"plan": "pro"}
    assert Event.objects.filter(object_id=customer.pk, type="customer.created").exists()


def test_duplicate_email_links_to_the_existing_customer(owner_client, customer):
    response = owner_client.post(
        reverse("customers:create"), {"name": "Someone", "email": "ADA@example.com"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A customer with this e-mail already exists" in html
    assert reverse("customers:detail", args=[customer.pk]) in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "A", "email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "A" * 300, "email": "a@example.com"}, "at most 255 characters"),
        ({"name": "   ", "email": "a@example.com"}, "This field is required."),
        ({"name": "A", "email": "a@example.com", "phone_number": "12345"}, "international format"),
        ({"name": "A", "email": "a@example.com", "metadata": "{oops"}, "must be a JSON object"),
        ({"name": "A", "email": "a@example.com", "metadata": "[1, 2]"}, "must be an object"),
        (
            {"name": "A", "email": "a@example.com", "preferred_locale": "xx"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_customer_input_gets_a_clear_message(owner_client, business, data, message):
    response = owner_client.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_edit_customer(owner_client, customer):
    response = owner_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"name": "Ada King", "email": customer.email, "phone_number": "", "metadata": ""},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Ada King" and customer.phone_number == ""


def test_viewers_can_look_but_not_change(viewer_client, customer):
    assert viewer_client.get(LIST).status_code == 200
    assert viewer_client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert "Add customer" not in viewer_client.get(LIST).content.decode()
    for url in (reverse("customers:create"), reverse("customers:edit", args=[customer.pk])):
        response = viewer_client.post(url, {"name": "X", "email": "x@example.com"})
        assert response.status_code == 403
        assert "View-only access" in response.content.decode()
    assert Customer.objects.count() == 1


def test_korean_interface(owner_client, customer):
    owner_client.post(reverse("set_language"), {"language": "ko", "next": LIST})
    html = owner_client.get(LIST).content.decode()
    assert 'lang="ko"' in html
    assert "고객" in html


# updated_at is a real sort, but not a default column: sorting by a hidden column
# would otherwise leave the page with no order at all.
@pytest.mark.parametrize("sort", ["bogus", "-bogus", "metadata", "-", "invite", "updated_at"])
def test_unknown_or_unsortable_keys_fall_back_to_newest_first(owner_client, business, sort):
    CustomerFactory(
        business=business, name="Older", created_at=timezone.now() - dt.timedelta(days=2)
    )
    CustomerFactory(business=business, name="Newer", created_at=timezone.now())
    assert names(owner_client.get(LIST, {"sort": sort})) == ["Newer", "Older"]


def test_korean_merchant_types_a_national_phone_number(owner_client, business):
    business.country = "KR"
    business.save()
    form = owner_client.get("/customers/new/").content.decode()
    assert "010-2000-0000" in form  # the help text shows the country's format
    response = owner_client.post(
        "/customers/new/",
        {"name": "강유진", "email": "yujin@example.kr", "phone_number": "010 1234 5678"},
    )
    assert response.status_code == 302
    assert Customer.objects.get(email="yujin@example.kr").phone_number == "+821012345678"


def test_a_taken_email_is_said_once_at_the_field_with_a_link(owner_client, customer):
    response = owner_client.post(
        "/customers/new/", {"name": "Someone", "email": customer.email.upper()}
    )
    html = response.content.decode()
    assert html.count("already") == 1 and f"/customers/{customer.pk}/" in html
    assert "alert-error" not in html
