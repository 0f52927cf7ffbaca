"""The languages people read us in.

The merchant's dashboard speaks English and Korean (`settings.LANGUAGES`, what Django's
LocaleMiddleware and the dashboard's switch offer). The customer portal, the e-mails
sent to customers and the PDFs they download speak more: PORTAL_LANGUAGES, each named
in its own language for the portal's switch. A language joins the portal with its
catalogue (config/locale/<locale>/LC_MESSAGES/django.po; tests/test_i18n.py says what
it must translate) and a line here.

A customer's `preferred_locale` is one of the API's 22 codes (Dodo's `Locale`); some
name a language we ship under a longer Django code ("zh" is Simplified Chinese,
"zh-hans"; "pt" is Brazilian Portuguese, "pt-br"), some a language we do not ship yet
("ru"). `shipped_language` maps any of them, or a browser's language tag, onto a
portal language, or None.
"""

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

PORTAL_LANGUAGES = [
    ("en", "English"),
    ("ko", "한국어"),
    ("ja", "日本語"),
    ("zh-hans", "简体中文"),
    ("hi", "हिन्दी"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt-br", "Português (Brasil)"),
    ("id", "Bahasa Indonesia"),
]
# Tags whose language we ship under another code.
_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-my": "zh-hans",
    "pt": "pt-br",
    "pt-pt": "pt-br",
    "in": "id",  # the old ISO code of Indonesian, still sent by some Android browsers
}
# Traditional Chinese readers are better served by English than by Simplified script.
_NOT_SHIPPED = {"zh-tw", "zh-hk", "zh-mo", "zh-hant"}


def portal_languages() -> list[str]:
    return [code for code, _name in PORTAL_LANGUAGES]


# The API's 22 `Locale` codes (customers.models.LOCALE_CHOICES, repeated here because
# core sits below the models).
API_LOCALES = frozenset(
    ["ar", "ca", "zh", "nl", "en", "fr", "de", "he", "id", "it", "ja"]
    + ["ka", "ko", "ms", "pl", "pt", "ro", "ru", "es", "sv", "th", "tr"]
)


def shipped_language(tag: str | None) -> str | None:
    """The portal language for a language tag or API locale ("ja-JP" -> "ja", "zh" ->
    "zh-hans", "pt-BR" -> "pt-br"), or None when we do not ship it ("ru", "zh-TW")."""
    tag = (tag or "").strip().lower().replace("_", "-")
    if not tag or tag in _NOT_SHIPPED or tag.startswith("zh-hant"):
        return None
    languages = portal_languages()
    for candidate in (tag, tag.split("-")[0]):  # the tag, then its language alone
        candidate = _ALIASES.get(candidate, candidate)
        if candidate in languages:
            return candidate
    return None


def api_locale(language: str) -> str | None:
    """The API's `Locale` code of a portal language ("zh-hans" -> "zh"), or None when
    the API has none for it (Hindi is not one of Dodo's 22)."""
    code = {"zh-hans": "zh", "pt-br": "pt"}.get(language, language)
    return code if code in API_LOCALES else None


def accept_language(header: str | None) -> str | None:
    """The first shipped portal language in a browser's Accept-Language, by weight."""
    for tag, _weight in parse_accept_lang_header(header or ""):
        if tag == "*":
            break
        language = shipped_language(tag)
        if language:
            return language
    return None


def customer_language(preferred_locale: str | None, fallback: str | None = None) -> str:
    """The language to write to a customer in (e-mails, PDFs): their `preferred_locale`
    when we ship it, else `fallback` (the language of the page that asked, if any) when
    we ship that, else English."""
    return (
        shipped_language(preferred_locale) or shipped_language(fallback) or settings.LANGUAGE_CODE
    )
