"""Dates as people read them: one formatter, per language; the row links built once
per table; cells escaped as templates escape; the sort and page links keep the rest
of the query (customers.core.formatting, the hub tags)."""

import datetime as dt

import pytest
from babel.dates import parse_pattern
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.core.formatting import (
    _day_pattern,
    copy_button,
    escape,
    url_for_each,
    utc,
    utc_date,
)
from customers.core.locales import PORTAL_LANGUAGES
from customers.core.money import user_locale
from customers.templatetags.hub import query_replace


def test_one_date_formatter_per_language():
    moment = dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC)
    with translation.override("en"):
        assert (utc_date(moment), utc(moment)) == ("Dec 1, 2026", "Dec 1, 2026 · 09:05")
    with translation.override("ko"):
        assert utc_date(moment) == "2026년 12월 1일" == utc_date(moment.date())
        assert utc(moment) == "2026년 12월 1일 · 09:05"


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("ja", "2026年12月1日", "2026年12月1日 · 09:05"),
        ("zh-hans", "2026年12月1日", "2026年12月1日 · 09:05"),
        ("hi", "1 दिस॰ 2026", "1 दिस॰ 2026 · 09:05"),
        ("es", "1 dic 2026", "1 dic 2026 · 09:05"),
        ("fr", "1 déc. 2026", "1 déc. 2026 · 09:05"),
        ("de", "1. Dez. 2026", "1. Dez. 2026 · 09:05"),
        ("pt-br", "1 de dez. de 2026", "1 de dez. de 2026 · 09:05"),
        ("id", "1 Des 2026", "1 Des 2026 · 09:05"),
    ],
)
def test_each_portal_language_writes_dates_its_own_way(language, day, moment):
    """Babel's CLDR patterns: day-month order, month names and particles per language."""
    value = dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC)
    with translation.override(language):
        assert (utc_date(value), utc(value)) == (day, moment)


@pytest.mark.parametrize("value", ["cus_00qZ4455LTBZcoG9RXM1VbVWS", "cus_a-b_C9", "a b?ü%#"])
def test_a_url_built_for_every_row_is_the_one_reverse_gives(value):
    """The table reverses its row links once; an ID that a path must quote is
    reversed in full."""
    assert url_for_each("customers:detail")(value) == reverse("customers:detail", args=[value])
    assert url_for_each("customer_invite")(value) == reverse("customer_invite", args=[value])


@pytest.mark.parametrize("customer_id", ["cus_00qZ40id0LTBZco", "cus_a b"])
@pytest.mark.parametrize("value", ["pay_00qZ4455LTBZcoG9RXM1VbVWS", "pay a?b"])
def test_a_row_url_under_the_same_customer_is_the_one_reverse_gives(customer_id, value):
    """A tab's rows share their customer: it comes first, even when its ID holds the
    marker the row's ID replaces."""
    for name in ("customers:payment_detail", "customers:refund_create"):
        expected = reverse(name, args=[customer_id, value])
        assert url_for_each(name, customer_id)(value) == expected


def test_row_url_gives_what_the_url_tag_gives_for_every_row():
    """`{% row_url %}` reverses once per page; each row's URL is still `{% url %}`'s."""
    template = Template(
        "{% load hub %}{% for id in ids %}"
        "{% row_url 'customers:payment_detail' customer_id id %} "
        "{% url 'customers:payment_detail' customer_id id %}\n"
        "{% row_url 'portal:subscription' id %} {% url 'portal:subscription' id %}\n"
        "{% endfor %}"
    )
    ids = ["pay_00qZ4455LTBZcoG9RXM1VbVWS", "pay_2", "a b?ü%#"]
    lines = template.render(Context({"ids": ids, "customer_id": "cus_1"})).splitlines()
    assert len(lines) == 2 * len(ids)
    for line in lines:
        mine, django = line.split(" ")  # reversed URLs quote spaces
        assert mine == django


@pytest.mark.parametrize(
    ("query", "changes", "expected"),
    [
        ("", {"page": None}, "?"),
        ("q=a+b&tag=1&tag=2&page=3", {"page": 2}, "?q=a+b&tag=1&tag=2&page=2"),
        ("tag=1&tag=2&page=3", {"page": None, "sort": "name"}, "?tag=1&tag=2&sort=name"),
        ("q=%ED%95%9C&sort=-name", {"sort": ""}, "?q=%ED%95%9C"),
        ("a=&b=x+y&c=%26", {"c": "&"}, "?a=&b=x+y&c=%26"),
    ],
)
def test_query_replace_keeps_the_rest_of_the_query_in_order(query, changes, expected, rf):
    """The sort and page links of the table and pager: every other filter stays, in its
    order, repeated parameters too, and encoded as Django encodes a query."""
    request = rf.get(f"/customers/?{query}")
    assert query_replace({"request": request}, **changes) == expected
    reference = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            reference.pop(key, None)
        else:
            reference[key] = value
    assert expected == f"?{reference.urlencode()}"


@pytest.mark.parametrize(
    "value",
    ['<script>alert("x")</script>', "O'Brien & Co", mark_safe("<b>kept</b>"), 42, None,
     gettext_lazy("Invite")],
)  # fmt: skip
def test_escape_is_conditional_escape(value):
    """The tables' cells escape as Django's templates do: HTML kept, the rest escaped."""
    assert escape(value) == conditional_escape(value)


def test_copy_button_escapes_its_value_and_label():
    html = copy_button('x"><img src=x>', "Copy <it>")
    assert 'data-copy="x&quot;&gt;&lt;img src=x&gt;"' in html
    assert 'aria-label="Copy &lt;it&gt;"' in html and "<svg" in html


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1970, 1, 1),
        max_value=dt.datetime(2100, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    language=st.sampled_from([code for code, _name in PORTAL_LANGUAGES]),
)
def test_a_timestamp_is_written_as_babel_writes_its_pattern(moment, language):
    """`utc` keeps each day's text and writes the clock itself: the same text as Babel
    applying the language's day pattern and "HH:mm" to the moment."""
    with translation.override(language):
        locale = user_locale()
        day = _day_pattern(locale).apply(moment, locale)
        clock = parse_pattern("HH:mm").apply(moment, locale)
        assert utc(moment) == f"{day} · {clock}"
        assert utc_date(moment) == day
