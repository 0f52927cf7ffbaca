"""Pieces of a page that read the same for everyone who sees them in one language:
drawn once per language and the few values they depend on, then kept.

Every dashboard page shows the sidebar's navigation and every portal page its own:
a dozen reversed URLs and translated labels, drawn again on every request, that
were a tenth of a small page's CPU time. `fragment("includes/_sidebar_nav.html",
can_edit=True, active=("customers",))` renders the template with those values as
its whole context (no request, no context processors) the first time and hands
back the kept HTML after that. So a fragment's template may use only the values
it is given, and each of them is part of the key: keep them few and small.

`kept(key, draw)` is the same for a piece whose values are too big to be its key
(a bound form): the caller names a small key that decides everything the piece
shows, and `draw()` is called only the first time that key is seen. At most
KEPT_MAX such pieces are kept per process, the oldest forgotten first (a `Keep`,
which other per-process results use too).

The keep is per process and forgotten when a template file changes (runserver's
autoreloader) or a setting does (tests).
"""

import functools
import threading
from collections.abc import Callable

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def fragment(template_name: str, **values) -> SafeString:
    """`template_name` rendered with `values` (hashable) in the active language."""
    key = tuple(sorted(values.items()))
    return _rendered(template_name, get_language(), get_script_prefix(), get_urlconf(), key)


@functools.lru_cache(maxsize=1024)
def _rendered(template_name: str, _language, _prefix, _urlconf, values: tuple) -> SafeString:
    return render_to_string(template_name, dict(values))


class Keep:
    """At most `size` values by hashable key, per process, the oldest forgotten first;
    every Keep is emptied when a template file or a setting changes (`_forget`)."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict = {}
        self._lock = threading.Lock()
        _KEEPS.append(self)

    def get(self, key):
        return self._values.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._values) >= self.size:
                del self._values[next(iter(self._values))]
            self._values[key] = value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_KEEPS: list[Keep] = []
KEPT_MAX = 512  # keyed pieces per process: a few kilobytes each
_pieces = Keep(KEPT_MAX)


def kept(key: tuple, draw: Callable[[], str]) -> SafeString:
    """What `draw()` gives, drawn the first time `key` (hashable) is seen in the active
    language and kept. The key must decide everything the piece shows besides the
    language and the site's URLs; nothing of one user or one request (a CSRF token)
    may be in it."""
    full = (get_language(), get_script_prefix(), get_urlconf(), key)
    html = _pieces.get(full)
    if html is None:
        html = SafeString(draw())
        _pieces.put(full, html)
    return html


def reversed_urls(names: dict[str, str]) -> dict[str, str]:
    """`{key: reverse(url_name)}` for URLs that take no arguments, reversed once (per
    script prefix): a fragment's caller needs them to tell which piece to show."""
    return _reversed(tuple(names.items()), get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=64)
def _reversed(names: tuple, _prefix, _urlconf) -> dict[str, str]:
    return {key: reverse(name) for key, name in names}


@receiver(file_changed, dispatch_uid="fragments_file_changed")
@receiver(setting_changed, dispatch_uid="fragments_setting_changed")
def _forget(**kwargs) -> None:
    _rendered.cache_clear()
    _reversed.cache_clear()
    for keep in _KEEPS:
        keep.clear()
