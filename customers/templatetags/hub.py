"""Template helpers: UTC dates, money, and small bits of markup."""

import datetime as dt
import hashlib

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from customers.money import format_money

register = template.Library()


@register.filter
def utc(value):
    """A timestamp as people read it, always in UTC (the column says so)."""
    if not value:
        return ""
    # Translators: a Django date format for dates with times, e.g. "Nov 26, 2026 · 07:08".
    return formats.date_format(value.astimezone(dt.UTC), _("M j, Y · H:i"))


@register.filter
def utc_iso(value):
    return value.astimezone(dt.UTC).isoformat() if value else ""


@register.filter
def money(amount, currency):
    return format_money(amount, currency) if amount is not None else ""


@register.filter
def avatar_hue(value) -> int:
    """A stable colour for an avatar, from the ID."""
    return int(hashlib.blake2b(str(value).encode(), digest_size=2).hexdigest(), 16) % 12


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
