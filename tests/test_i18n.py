"""Korean ships for everything: every string marked for translation in the code and
the templates is in the catalogue, translated, and no entry is fuzzy."""

import io
import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

from config.settings import BASE_DIR

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
    tests aside) and the templates (read with Django's own template-to-gettext step)."""
    for app in APPS:
        for path in sorted((Path(BASE_DIR) / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield from _extracted(path, path.read_text())
    for path in sorted((Path(BASE_DIR) / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
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
