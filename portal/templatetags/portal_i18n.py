"""`{% portal_languages as languages %}`: the portal switch's choices, each named in its
own language (customers.core.locales.PORTAL_LANGUAGES)."""

from django import template

from customers.core.locales import PORTAL_LANGUAGES

register = template.Library()


@register.simple_tag
def portal_languages() -> list[tuple[str, str]]:
    return PORTAL_LANGUAGES
