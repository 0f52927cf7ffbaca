"""Pieces of a page that read the same for everyone who sees them in one language:
drawn once per language and the few values they depend on, then kept.

Every dashboard page shows the sidebar's navigation and every portal page its own:
a dozen reversed URLs and translated labels, drawn again on every request, that
were a tenth of a small page's CPU time. `fragment("includes/_sidebar_nav.html",
can_edit=True, active=("customers",))` renders the template with those values as
its whole context (no request, no context processors) the first time and hands
back the kept HTML after that. So a fragment's template may use only the values
it is given, and each of them is part of the key: keep them few and small.

The keep is per process and forgotten when a template file changes (runserver's
autoreloader) or a setting does (tests).
"""

import functools

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
