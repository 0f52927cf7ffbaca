"""Korean ships for everything: every string marked for translation in the code and
the templates is in the catalogue, translated, and no entry is fuzzy.

The portal ships in more languages (customers.core.locales.PORTAL_LANGUAGES): every string the
customer can meet — the portal's pages, its Python, its e-mails, the invoice and
refund-receipt PDFs, and the labels and errors it borrows from the models — is
translated in every portal language. `portal_messages()` computes that set from
PORTAL_SOURCES, PORTAL_CHOICES, PORTAL_ERRORS and PORTAL_BORROWED below; when a page
gains a string, the failure of `test_every_portal_string_is_translated_in_every_portal_
language` lists what each catalogue lacks, with where it is used:

    python -m pytest tests/test_i18n.py -k portal -q
"""

import ast
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation.template import templatize

from config.settings import BASE_DIR
from customers.core.errors import NoScheduledCancellation, SubscriptionInactive
from customers.core.locales import PORTAL_LANGUAGES
from customers.models import LicenseKey, Payment, Refund, Subscription, TimeInterval
from wallets.models import EventType

PO = Path(BASE_DIR) / "config" / "locale" / "ko" / "LC_MESSAGES" / "django.po"
APPS = ("config", "customers", "wallets", "portal")
# Django's translation functions, as `makemessages` passes them to xgettext.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _extracted(path: Path, source: str):
    """(where, msgid, context) of every marked string in one Python source."""
    found = extract("python", io.BytesIO(source.encode()), keywords=KEYWORDS)
    for lineno, message, _comments, context in found:
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            yield f"{path.relative_to(BASE_DIR)}:{lineno}", msgid, context


def source_messages():
    """Every string `make messages` would extract: the apps' Python (migrations and
    tests aside) and the templates, the Jinja2 fragments among them (read with Django's
    own template-to-gettext step, as `make messages` reads them)."""
    for app in APPS:
        for path in sorted((Path(BASE_DIR) / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield from _extracted(path, path.read_text())
    for path in sorted((Path(BASE_DIR) / "templates").rglob("*")):
        if path.suffix in (".html", ".txt", ".jinja"):  # a fragment's `_()` reads the same
            code = templatize(path.read_text(), origin=str(path))
            # One call per line at most; the indentation would trip Python's tokenizer.
            yield from _extracted(path, "\n".join(line.lstrip() for line in code.splitlines()))


def test_every_string_in_the_code_and_templates_is_in_the_catalogue():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    missing = sorted(
        {
            f"{where}: {msgid!r}"
            for where, msgid, context in source_messages()
            if catalog.get(msgid, context=context) is None
        }
    )
    assert missing == [], "not in django.po (add a Korean translation):\n" + "\n".join(missing)


def test_every_string_has_a_korean_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert missing == [], f"untranslated or fuzzy: {missing[:10]}"


def test_placeholders_survive_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        for token in ("%(", "%s", "%d"):
            assert source.count(token) == target.count(token), message.id


def test_translation_functions_keep_names_makemessages_knows():
    """`gettext_lazy as _lazy` hides strings from makemessages; only `_` is allowed."""
    alias = re.compile(r"import .*\b(n?gettext(?:_lazy)?|pgettext(?:_lazy)?) as (?!_\b)\w+")
    offenders = [
        str(path)
        for app in ("config", "customers", "wallets", "portal")
        for path in (Path(BASE_DIR) / app).rglob("*.py")
        if alias.search(path.read_text())
    ]
    assert offenders == []


# What the customer can meet. Python files: every marked string except those inside
# the merchant-side classes named beside them. Templates: every file under these
# folders except the merchant's (templates/portal/merchant/), and the shared
# fragments the portal includes.
PORTAL_SOURCES = {
    "portal/auth.py": (),
    "portal/errors.py": (),
    "portal/forms.py": ("HttpUrlField", "InviteForm", "PortalSettingsForm"),
    "portal/languages.py": (),
    "portal/links.py": (),
    "portal/selectors.py": (),
    "portal/services.py": (),
    "portal/views/access.py": (),
    "portal/views/self_service.py": (),
    "customers/billing/invoices.py": (),  # the PDFs the portal hands out
    "customers/core/formatting.py": (),  # dates, short IDs, the copy button
    "customers/billing/purchases.py": (),  # purchase errors and declines
    "customers/billing/auto_top_up.py": (),  # the auto top-up form's refusals
    "portal/purchase_forms.py": (),
    "portal/views/purchases.py": (),
    "wallets/topups.py": (),  # top-up bounds, the bonus rule, refusals
}
PORTAL_TEMPLATES = ["templates/portal"]
PORTAL_TEMPLATES_EXCLUDED = ["templates/portal/merchant"]
PORTAL_SHARED_TEMPLATES = [
    "templates/includes/_pager.jinja",
    "templates/includes/_messages.html",
    "templates/includes/_toast.html",
]
# Choice labels the portal's pages and PDFs show (statuses, reasons, intervals).
PORTAL_CHOICES = [
    Subscription.Status,
    Subscription.Feedback,
    TimeInterval,
    Payment.Status,
    Payment.DisplayStatus,
    Payment.PricingType,
    Refund.Status,
    Refund.Destination,
    EventType,
    LicenseKey.Status,
]
# Domain errors a portal action can show the customer.
PORTAL_ERRORS = [SubscriptionInactive, NoScheduledCancellation]
# Strings of shared forms and validators the portal's profile form shows.
PORTAL_BORROWED = [
    "Phone number",
    "International format, e.g. +82 10 1234 5678.",
    "As dialled in %(region)s (e.g. %(example)s) or with +.",
    "Enter the number in international format, starting with + and the country code, "
    "e.g. +1 415 555 0134.",
    "Enter a phone number as it is dialled in the country (%(region)s), "
    "e.g. %(example)s, or with + and the country code.",
]
CATALOGUES = Path(BASE_DIR) / "config" / "locale"


def _msgid(lazy) -> str:
    """The msgid behind a lazy translation (a choice label, an error's message)."""
    with translation.override(None):
        return str(lazy)


def _outside(path: Path, classes, found):
    """Drop the strings marked inside the named (merchant-side) classes."""
    if not classes:
        yield from found
        return
    spans = [
        (node.lineno, node.end_lineno)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name in classes
    ]
    for where, msgid, context in found:
        lineno = int(where.rsplit(":", 1)[1])
        if not any(start <= lineno <= end for start, end in spans):
            yield where, msgid, context


def _template_messages(path: Path):
    code = templatize(path.read_text(), origin=str(path))
    yield from _extracted(path, "\n".join(line.lstrip() for line in code.splitlines()))


def portal_messages():
    """(where, msgid, context) of every string a customer can meet in the portal."""
    base = Path(BASE_DIR)
    for name, merchant_classes in PORTAL_SOURCES.items():
        path = base / name
        yield from _outside(path, merchant_classes, _extracted(path, path.read_text()))
    templates = [p for folder in PORTAL_TEMPLATES for p in sorted((base / folder).rglob("*"))]
    templates += [base / name for name in PORTAL_SHARED_TEMPLATES]
    for path in templates:
        excluded = any(path.is_relative_to(base / e) for e in PORTAL_TEMPLATES_EXCLUDED)
        if path.suffix in (".html", ".txt", ".jinja") and not excluded:
            yield from _template_messages(path)
    for choices in PORTAL_CHOICES:
        for label in choices.labels:
            yield f"{choices.__qualname__} (choice)", _msgid(label), None
    for error in PORTAL_ERRORS:
        yield f"{error.__name__} (error)", _msgid(error.default_message), None
    for msgid in PORTAL_BORROWED:
        yield "PORTAL_BORROWED", msgid, None


def _portal_catalogue(language: str):
    locale = translation.to_locale(language)
    with (CATALOGUES / locale / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def test_every_portal_string_is_translated_in_every_portal_language():
    messages = sorted(set(portal_messages()))
    report = []
    for language, _name in PORTAL_LANGUAGES:
        if language == "en":
            continue
        catalog = _portal_catalogue(language)
        missing = {}
        for where, msgid, context in messages:
            if not _translated(catalog.get(msgid, context=context)):
                missing.setdefault(msgid, []).append(where)
        if missing:
            locale = translation.to_locale(language)
            report.append(f"config/locale/{locale}/LC_MESSAGES/django.po lacks {len(missing)}:")
            report += [f"  {msgid!r}  ({', '.join(w)})" for msgid, w in sorted(missing.items())]
    assert report == [], "untranslated portal strings:\n" + "\n".join(report)


def test_the_borrowed_portal_strings_exist():
    """PORTAL_BORROWED names real msgids: each is in the code (hence in django.po)."""
    everything = {msgid for _where, msgid, _context in source_messages()}
    assert set(PORTAL_BORROWED) - everything == set()


@pytest.mark.parametrize("language", [code for code, _name in PORTAL_LANGUAGES if code != "en"])
def test_portal_catalogues_state_their_languages_plural_rule(language):
    """Plural forms as CLDR has them (Babel's table): one form in Japanese, Chinese,
    Korean and Indonesian; "one" for 0 and 1 in Hindi, French and Brazilian Portuguese;
    Spanish, French and Portuguese "many" for millions."""
    catalog = _portal_catalogue(language)
    assert catalog.plural_forms == get_plural(translation.to_locale(language)).plural_forms


@pytest.mark.parametrize("language", [code for code, _name in PORTAL_LANGUAGES if code != "en"])
def test_portal_placeholders_survive_translation(language):
    """Every form of a translation keeps every placeholder of its msgid."""
    for message in _portal_catalogue(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        tokens = set(re.findall(r"%\(\w+\)[sd]|%[sd]", sources[-1]))
        for target in targets:
            assert all(token in target for token in tokens), (language, message.id, target)
