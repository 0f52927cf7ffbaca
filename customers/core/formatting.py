"""How IDs, times and people look on a page: UTC dates, short IDs, avatar colours.

Plain functions, so tables and templates (through the `hub` tags) format alike.
Dates are written by Babel in the active language's own pattern (CLDR's "yMMMd"
skeleton: "Nov 26, 2026", "2026년 11월 26일", "2026年11月26日", "26. Nov. 2026",
"26 नव॰ 2026"), so every portal language reads its dates the way its readers do.
"""

import datetime as dt
import hashlib

from babel.dates import format_skeleton, format_time

from customers.core.money import user_locale


def utc(value) -> str:
    """A timestamp as people read it, always in UTC (the column says so):
    "Nov 26, 2026 · 07:08", "2026년 11월 26일 · 07:08"."""
    if not value:
        return ""
    value = value.astimezone(dt.UTC)
    locale = user_locale()
    day = format_skeleton("yMMMd", value, locale=locale)
    return f"{day} · {format_time(value, 'HH:mm', locale=locale)}"


def utc_date(value) -> str:
    """A day as people read it ("Dec 1, 2026", "2026년 12월 1일"), of a UTC timestamp or
    a date. With `utc`, the one way dates are written on pages, in e-mails and PDFs."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date()
    return format_skeleton("yMMMd", value, locale=user_locale())


def utc_iso(value) -> str:
    return value.astimezone(dt.UTC).isoformat() if value else ""


def avatar_hue(value) -> int:
    """A stable colour for an avatar, from the ID."""
    return int(hashlib.blake2b(str(value).encode(), digest_size=2).hexdigest(), 16) % 12


def short_id(value: str) -> str:
    """`pay_00qXU…fZq4`: IDs start with their creation time, so the end tells them apart."""
    value = str(value)
    prefix, _sep, body = value.partition("_")
    if len(body) <= 12:
        return value
    return f"{prefix}_{body[:4]}…{body[-6:]}"
