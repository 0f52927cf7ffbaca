"""The portal's chrome, drawn once and kept (customers.core.fragments): `{% portal_nav %}`,
its links (portal/_nav.html), per language and current page; `{% portal_chrome
"portal/_brand.html" %}`, a piece of the header or footer, per language and the
business's name, logo and support address."""

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


@register.simple_tag(takes_context=True)
def portal_chrome(context, template_name: str, brand: bool = True) -> str:
    """`template_name` drawn with the business's `pk`, `name`, `logo_version` and
    `support_email` (none without a business, as on sign-in pages), or with nothing
    when `brand` is False (the language switch: the same in every portal)."""
    if not brand:
        return fragment(template_name)
    business = context.get("portal_business")
    if business is None:
        return fragment(template_name, pk=None, name="", logo_version=None, support_email="")
    logo = business.logo_updated_at
    return fragment(
        template_name,
        pk=business.pk,
        name=business.name,
        logo_version=int(logo.timestamp()) if logo else None,
        support_email=business.support_email,
    )
