"""Which language a portal page speaks.

In order: the language the person picked with the portal's switch (a cookie scoped to
/portal/, kept a year, as Dodo's portal keeps its NEXT_LOCALE cookie), the signed-in
customer's `preferred_locale` when we ship that language, the browser's
Accept-Language, English. The dashboard's languages (English, Korean) and its
`django_language` cookie play no part here, and the portal's languages never reach
the dashboard.
"""

from django.conf import settings
from django.utils import translation

from customers.core.locales import accept_language, shipped_language

COOKIE = "hub_portal_language"
COOKIE_PATH = "/portal/"
COOKIE_AGE = 365 * 24 * 3600


def chosen_language(request) -> str | None:
    """The language picked with the portal's switch on this browser, if any."""
    return shipped_language(request.COOKIES.get(COOKIE))


def page_language(request, customer=None) -> str:
    return (
        chosen_language(request)
        or (shipped_language(customer.preferred_locale) if customer is not None else None)
        or accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE"))
        or settings.LANGUAGE_CODE
    )


def activate(request, customer=None) -> str:
    """Speak the page's language for the rest of this request."""
    language = page_language(request, customer)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def remember_choice(response, language: str) -> None:
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_AGE,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
