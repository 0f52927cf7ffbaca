"""Korean ships for everything: the catalogue has no untranslated or fuzzy entry."""

from pathlib import Path

from babel.messages.pofile import read_po

from config.settings import BASE_DIR

PO = Path(BASE_DIR) / "config" / "locale" / "ko" / "LC_MESSAGES" / "django.po"


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
    import re

    alias = re.compile(r"import .*\b(n?gettext(?:_lazy)?|pgettext(?:_lazy)?) as (?!_\b)\w+")
    offenders = [
        str(path)
        for app in ("config", "customers", "wallets", "portal")
        for path in (Path(BASE_DIR) / app).rglob("*.py")
        if alias.search(path.read_text())
    ]
    assert offenders == []
