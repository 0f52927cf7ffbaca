"""The Jinja2 environment for the hot parts of pages.

Pages are Django templates: the layout (base.html), titles and HTMX partials. Where a
page spends its time, the part is a Jinja2 template drawn by the `{% fragment %}` tag
(customers/templatetags/hub.py): the rows of long lists (the wallet ledger, the
payments and license-key tabs, the portal's billing history) and the bodies of the
busiest pages (the customer list, the overview, the details page above its tabs, the
one pager). Django's template engine resolves every variable, filter and tag through
its own machinery; Jinja2 compiles a template to Python (README, "Benchmarks"). The
fragments use the same formatting helpers as the Django templates, and `_()` for their
strings, which `make messages` and tests/test_i18n.py read alike; a plural is made in
Python (`ngettext`), where `make messages` finds it.
"""

import functools

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.backends.jinja2 import Jinja2
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import linebreaksbr
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, trans_real
from jinja2 import Environment

from customers.core import formatting, fragments
from customers.core.money import money_text
from customers.core.validation import country_name


@functools.cache
def engine() -> Jinja2:
    """The fragments' engine (`*.jinja` beside the templates that use them); kept out
    of TEMPLATES, as Django's own Jinja2 form renderer keeps its engine."""
    return Jinja2(
        {
            "NAME": "fragments",
            "DIRS": [settings.BASE_DIR / "templates"],
            "APP_DIRS": False,
            "OPTIONS": {"environment": "customers.core.jinja.environment"},
        }
    )


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.filters.update(
        money=money_text,
        utc=formatting.utc,
        utc_iso=formatting.utc_iso,
        short_id=formatting.short_id,
        long_text=formatting.long_text,
        intcomma=intcomma,
        utc_date=formatting.utc_date,
        avatar_hue=formatting.avatar_hue,
        country=country_name,
        linebreaksbr=linebreaksbr,
    )
    env.globals.update(
        copy_button=formatting.copy_button,
        choice_label=formatting.choice_label,
        url_for_each=formatting.url_for_each,
        url=_url,
        query_replace=formatting.query_replace,
        static=static,
        current_language=get_language,
        kept=_kept,
    )
    return env


def render(template_name: str, values: dict, request=None) -> str:
    """`template_name` drawn with `values`, the `request` and its `csrf_input`.

    `_()` is the active language's catalog itself for the whole render: Django's
    gettext finds the active translation again through a context-local on every call,
    and a details page says about a hundred and sixty things."""
    gettext_now = trans_real.catalog().gettext
    csrf = _csrf_input_lazy(request) if request is not None else ""  # made only if used
    given = {"request": request, "csrf_input": csrf, **values}
    given["_"] = given["gettext"] = gettext_now
    return engine().get_template(template_name).render(given)


def _request_csrf_input(request) -> SafeString:
    """The request's CSRF field, masked once for the whole response: Django masks the
    token anew on every read (a random string each time), and a details page has a
    dozen forms. One response carries one masked token, as a Django template's
    `{% csrf_token %}` does."""
    field = getattr(request, "_fragments_csrf_input", None)
    if field is None:
        field = request._fragments_csrf_input = csrf_input(request)
    return field


_csrf_input_lazy = lazy(_request_csrf_input, SafeString, str)


def _kept(template_name: str, key: tuple | None, **values) -> SafeString:
    """`{{ kept("customers/_filters_panel.jinja", key, filterset=filterset) }}`: the
    template drawn with only `values` (no request, no CSRF field) the first time `key`
    is seen in this language, then kept (customers.core.fragments.kept); a key of
    None draws it every time."""

    def draw() -> str:
        return render(template_name, values)

    if key is None:
        return SafeString(draw())
    return fragments.kept((template_name, key), draw)


def _url(viewname: str, *args) -> str:
    """`{{ url("customers:detail", customer.pk) }}`, as Django's `{% url %}`."""
    return reverse(viewname, args=args)
