"""How IDs, times and people look on a page: UTC dates, short IDs, avatar colours.

Plain functions, so tables and templates (through the `hub` tags) format alike.
"""

import datetime as dt
import hashlib

from django.utils import formats
from django.utils.translation import gettext as _


def utc(value) -> str:
    """A timestamp as people read it, always in UTC (the column says so)."""
    if not value:
        return ""
    # Translators: a Django date format for dates with times, e.g. "Nov 26, 2026 · 07:08".
    return formats.date_format(value.astimezone(dt.UTC), _("M j, Y · H:i"))


def utc_date(value) -> str:
    """A day as people read it ("Dec 1, 2026", "2026년 12월 1일"), of a UTC timestamp or
    a date. With `utc`, the one way dates are written on pages, in e-mails and PDFs."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
    # Translators: a Django date format for dates without times, e.g. "Nov 26, 2026".
    return formats.date_format(value, _("M j, Y"))


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
