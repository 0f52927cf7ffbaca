"""`{% portal_nav %}`: the portal's links (portal/_nav.html), drawn once per language
and current page and kept (customers.core.fragments)."""

from django import template

from customers.core.fragments import fragment, reversed_urls

register = template.Library()

# The portal's pages and their URL names.
SECTIONS = {
    "home": "portal:home",
    "billing": "portal:billing",
    "subscriptions": "portal:subscriptions",
    "license_keys": "portal:license_keys",
    "payment_methods": "portal:payment_methods",
    "wallet": "portal:wallet",
    "credits": "portal:credits",
    "profile": "portal:profile",
}
# Pages with pages of their own below them (one subscription, its cancellation).
WITH_PAGES_BELOW = ("subscriptions",)


def sections_of(path: str, urls: dict[str, str]) -> tuple[str, ...]:
    """The links a page lights: its own, and Subscriptions for the pages below it."""
    return tuple(
        key for key, url in urls.items() if path == url or (key in WITH_PAGES_BELOW and url in path)
    )


@register.simple_tag(takes_context=True)
def portal_nav(context) -> str:
    path = getattr(context.get("request"), "path", "")
    return fragment("portal/_nav.html", active=sections_of(path, reversed_urls(SECTIONS)))
