"""Dates as people read them: one formatter, per language; and the row links built once
per table (customers.core.formatting)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from customers.core.formatting import url_for_each, utc, utc_date


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
