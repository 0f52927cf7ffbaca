"""Date filters at the edge of the calendar are a form error on every page that takes
them (the table, Build Report, the exports), never a server error; the table's
Filters menu always shows the request's own values, tags and errors."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from customers.models import Tag

pytestmark = pytest.mark.django_db

FAR_DATES = [
    {"created_before": "9999-12-31"},
    {"created_after": "9999-12-31"},
    {"created_after": "0001-01-01", "created_before": "9999-12-31"},
    {"created_before": "0001-01-01"},
    {"created_after": "10000-01-01"},
]


def test_far_dates_on_the_table_and_build_report_are_form_errors(owner_client, customer):
    for url in (reverse("customers:list"), reverse("customers:report")):
        for params in FAR_DATES:
            response = owner_client.get(url, params)
            assert response.status_code == 200, (url, params)
        response = owner_client.get(url, {"created_before": "9999-12-31"})
        assert "Enter a date up to 9998-12-31." in response.content.decode()


def test_far_dates_on_the_exports_are_refused(owner_client, customer):
    for name in ("customers:export_csv", "customers:export_xlsx"):
        for params in FAR_DATES:
            response = owner_client.get(reverse(name), params)
            assert response.status_code in (200, 400), (name, params)
        assert owner_client.get(reverse(name), {"created_before": "9999-12-31"}).status_code == 400


def test_the_last_day_still_filters(owner_client, customer):
    response = owner_client.get(reverse("customers:list"), {"created_before": "9998-12-31"})
    assert customer.name in response.content.decode()


def _filters_menu(response) -> str:
    html = response.content.decode()
    start = html.index('<div class="menu filters-panel">')
    return html[start : html.index('<div class="menu-footer">', start)]


def test_the_filters_menu_shows_each_requests_values_tags_and_language(owner_client, business):
    # The menu is drawn once per values, tags and language and then kept
    # (CustomerFilter.panel_key): every change of one of them shows at once.
    url = reverse("customers:list")
    assert "VIP" not in _filters_menu(owner_client.get(url))
    vip = Tag.objects.create(business=business, name="VIP", color="blue")
    menu = _filters_menu(owner_client.get(url))
    assert f'<option value="{vip.pk}">VIP</option>' in menu
    menu = _filters_menu(owner_client.get(url, {"tag": vip.pk}))
    assert f'<option value="{vip.pk}" selected>VIP</option>' in menu
    Tag.objects.filter(pk=vip.pk).update(name="Gold")
    menu = _filters_menu(owner_client.get(url, {"tag": vip.pk}))
    assert f'<option value="{vip.pk}" selected>Gold</option>' in menu
    assert '<option value="true" selected>' not in menu
    menu = _filters_menu(owner_client.get(url, {"has_phone": "true"}))
    assert '<option value="true" selected>Has a phone number</option>' in menu
    owner_client.cookies["django_language"] = "ko"
    with translation.override("ko"):
        korean = str(_("Has a phone number"))
    menu = _filters_menu(owner_client.get(url, {"has_phone": "true"}))
    assert f'<option value="true" selected>{korean}</option>' in menu


def test_a_bad_filter_value_shows_its_error_every_time(owner_client, customer):
    url = reverse("customers:list")
    for _attempt in range(2):
        menu = _filters_menu(owner_client.get(url, {"min_paid": "abc"}))
        assert 'value="abc"' in menu
        assert '<span class="field-error">' in menu
    assert '<span class="field-error">' not in _filters_menu(owner_client.get(url))


def _table_head(response) -> str:
    html = response.content.decode()
    return html[html.index("<thead") : html.index("</thead>")]


def test_the_table_header_links_keep_each_requests_own_query(owner_client, customer):
    # The header is drawn once per columns, sort and query string and then kept
    # (customers.views._head_key): each request's links carry its own search.
    url = reverse("customers:list")
    head = _table_head(owner_client.get(url, {"q": "ada", "sort": "name", "page": "1"}))
    assert 'href="?q=ada&amp;sort=-name"' in head  # sorted by name: the link reverses it
    assert 'href="?q=ada&amp;sort=email"' in head
    assert 'class="col-name is-sorted" aria-sort="ascending"' in head
    head = _table_head(owner_client.get(url, {"q": "lovelace", "sort": "name"}))
    assert 'href="?q=lovelace&amp;sort=email"' in head and "q=ada" not in head
    head = _table_head(owner_client.get(url, {"q": "ada"}))
    assert 'class="col-created_at is-sorted" aria-sort="descending"' in head
    assert 'class="col-name is-sorted"' not in head


def test_the_search_box_shows_each_requests_own_text(owner_client, customer):
    # Kept per text (CustomerFilter.search_key): each request shows its own.
    url = reverse("customers:list")
    for text in ("ada", "lovelace", "ada", ""):
        html = owner_client.get(url, {"q": text} if text else {}).content.decode()
        at = html.index('id="id_q"')
        box = html[html.rindex("<input", 0, at) : html.index(">", at)]
        assert (f'value="{text}"' in box) is bool(text), (text, box)


def test_one_businesss_tags_and_credits_never_reach_anothers_filters(business, other_business):
    # The tag and credit fields are copied per request (filters._copy_field): choices
    # set for one business stay out of the next business's form.
    from django.http import QueryDict

    from customers.filters import CustomerFilter

    mine = Tag.objects.create(business=business, name="Mine", color="blue")
    theirs = Tag.objects.create(business=other_business, name="Theirs", color="red")
    for _round in range(2):
        for owner, shown, hidden in ((business, mine, theirs), (other_business, theirs, mine)):
            form = CustomerFilter(QueryDict(f"tag={hidden.pk}"), business=owner).form
            choices = dict(form.fields["tag"].choices)
            assert shown.pk in choices and hidden.pk not in choices
            assert "tag" in form.errors  # another business's tag is not a choice


def test_a_query_strings_validation_is_kept_but_follows_the_businesss_tags(business):
    # CustomerFilter.used() keeps each query string's outcome; the business's tags
    # are part of what it is kept by, so a deleted tag is refused at once.
    from django.http import QueryDict

    from customers.filters import CustomerFilter

    vip = Tag.objects.create(business=business, name="VIP", color="blue")
    query = QueryDict(f"tag={vip.pk}&created_after=2026-03-01&has_phone=maybe")
    for _attempt in range(2):
        filters = CustomerFilter(query, business=business)
        assert set(filters.used()) == {"tag", "created_after"}
        assert not filters.has_errors
    vip.delete()
    filters = CustomerFilter(query, business=business)
    assert set(filters.used()) == {"created_after"}
    assert filters.has_errors and "tag" in filters.form.errors
    bad = CustomerFilter(QueryDict("created_after=soon"), business=business)
    assert bad.used() == {} and bad.has_errors
    again = CustomerFilter(QueryDict("created_after=soon"), business=business)
    assert again.has_errors and again.used() == {}  # kept: the same answer either way
