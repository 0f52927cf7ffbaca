"""Dates as people read them: one formatter, per language (customers.core.formatting)."""

import datetime as dt

from django.utils import translation

from customers.core.formatting import utc, utc_date


def test_one_date_formatter_per_language():
    moment = dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC)
    with translation.override("en"):
        assert (utc_date(moment), utc(moment)) == ("Dec 1, 2026", "Dec 1, 2026 · 09:05")
    with translation.override("ko"):
        assert utc_date(moment) == "2026년 12월 1일" == utc_date(moment.date())
        assert utc(moment) == "2026년 12월 1일 · 09:05"
