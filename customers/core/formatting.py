"""How IDs, times and people look on a page: UTC dates, short IDs, avatar colours,
the copy button beside an ID.

Plain functions, so tables and templates (through the `hub` tags) format alike.
Dates are written by Babel in the active language's own pattern (CLDR's "yMMMd"
skeleton: "Nov 26, 2026", "2026년 11월 26일", "2026年11月26日", "26. Nov. 2026",
"26 नव॰ 2026"), so every portal language reads its dates the way its readers do.
"""

import datetime as dt
import functools
import hashlib
import html
import re
from collections.abc import Callable
from urllib.parse import urlencode

from babel import Locale
from babel.dates import DateTimePattern, match_skeleton, parse_pattern
from django.urls import reverse
from django.utils.hashable import make_hashable
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.core.money import user_locale


def utc(value) -> str:
    """A timestamp as people read it, always in UTC (the column says so):
    "Nov 26, 2026 · 07:08", "2026년 11월 26일 · 07:08"."""
    if not value:
        return ""
    value = value.astimezone(dt.UTC)
    return f"{_day(value.date(), user_locale())} · {value.hour:02d}:{value.minute:02d}"


def utc_date(value) -> str:
    """A day as people read it ("Dec 1, 2026", "2026년 12월 1일"), of a UTC timestamp or
    a date. With `utc`, the one way dates are written on pages, in e-mails and PDFs."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date()
    return _day(value, user_locale())


@functools.lru_cache(maxsize=4096)
def _day(day: dt.date, locale: Locale) -> str:
    """The day in the language's pattern: Babel applies a pattern in about 8 µs, and a
    page writes the same few days again and again (a table's rows, the timeline)."""
    return _day_pattern(locale).apply(day, locale)


@functools.lru_cache(maxsize=64)
def _day_pattern(locale: Locale) -> DateTimePattern:
    """The language's pattern for CLDR's "yMMMd" skeleton (or its nearest), parsed
    once: Babel's format_skeleton looks it up and parses it again for every date,
    which was a fifth of a table row's time."""
    skeletons = locale.datetime_skeletons
    name = "yMMMd" if "yMMMd" in skeletons else match_skeleton("yMMMd", skeletons)
    return parse_pattern(skeletons[name])


def escape(value) -> str:
    """Django's conditional_escape (HTML is kept, anything else escaped the same way),
    without its check for lazy strings on every call: the tables escape every cell."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]+\Z")  # what reverse() leaves unquoted in a path


def url_for_each(viewname: str, *args) -> Callable[[str], str]:
    """`reverse(viewname, args=[*args, id])` for every row of a table at the cost of
    one: the URL is reversed once around a marker and each ID put in its place (IDs
    are letters, digits and "_", which a path keeps as they are; anything else is
    reversed in full). `args` come first and are the same for every row (the
    customer whose payments a tab lists)."""
    marker = "0id0"
    head, tail = reverse(viewname, args=[*args, marker]).rsplit(marker, 1)

    def url(value) -> str:
        value = str(value)
        if _PLAIN_ID.match(value):
            return f"{head}{value}{tail}"
        return reverse(viewname, args=[*args, value])

    return url


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


_COPY_ICON = SafeString(
    '<svg aria-hidden="true" viewBox="0 0 20 20" width="13" height="13"><path '
    'fill="currentColor" d="M7 2h9a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-1v-2h1V4H7v1H5V4a2 2 0 0 1 '
    "2-2ZM4 7h9a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2Zm0 2v7h9V9H4Z"
    '"/></svg>'
)


def copy_button(value, label=None) -> str:
    """The button that copies `value` (static/js copies `data-copy`); one string, not
    a template per row: the tables show one per row."""
    value, label = escape(value), escape(label or _("Copy"))
    return SafeString(  # each part escaped above
        f'<button type="button" class="icon-btn copy-btn" data-copy="{value}" '
        f'title="{label}" aria-label="{label}">{_COPY_ICON}</button>'
    )


def choice_label(instance, name: str):
    """`instance.get_<name>_display()` without its cost: Django rebuilds the field's
    choices and translates every label on each call (29 µs for a ledger entry's
    event type); here the labels are translated once per field and language."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    return _choice_labels(field, get_language()).get(make_hashable(value), value)


@functools.lru_cache(maxsize=512)
def _choice_labels(field, language: str | None) -> dict:
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


def long_text(text) -> str:
    """Text that may be long (a refund or ledger reason, up to 3,000 characters): up
    to three lines, then "Show all" opens the rest in place; empty shows "—"."""
    if not text:
        return "—"
    short, text = len(text) <= 160, escape(text)
    if short:
        return mark_safe(f'<span class="long-text">{text}</span>')  # escaped above
    more = escape(_("Show all"))
    return mark_safe(  # each part escaped above
        f'<details class="long-reason"><summary><span class="clamp long-text">{text}</span> '
        f'<span class="more">{more}</span></summary><span class="long-text">{text}</span>'
        "</details>"
    )


def query_replace(query, **changes) -> str:
    """The query string `query` (a QueryDict) with some parameters replaced (None or
    "" removes one): "?page=2&q=kim". Encoded as QueryDict.urlencode() does, from a
    plain dict: QueryDict.copy() deep-copies, and a table header asks for one link
    per sortable column."""
    params = dict(query.lists())
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = [value]
    encoded = urlencode([(key, value) for key, values in params.items() for value in values])
    return f"?{encoded}" if encoded else "?"
