"""`{% sidebar_nav %}`: the dashboard sidebar's links (includes/_sidebar_nav.html),
drawn once per language, role and current section and kept (customers.core.fragments)."""

from django import template

from customers.core.fragments import fragment, reversed_urls

register = template.Library()

# The sidebar's sections and their pages' URL names.
SECTIONS = {
    "overview": "overview",
    "customers": "customers:list",
    "recovery": "customers:recovery",
    "business": "business_profile",
    "team": "team",
    "api_keys": "api_keys",
    "portal_settings": "portal_settings",
    "email_settings": "email_settings",
    "webhooks": "webhook_list",
    "credit_settings": "credit_settings",
    "top_up": "top_up_settings",
    "tags": "tag_list",
}
# Sections whose pages have pages of their own below them (one webhook, one tag).
WITH_PAGES_BELOW = ("webhooks", "credit_settings", "tags")


def sections_of(path: str, urls: dict[str, str]) -> tuple[str, ...]:
    """The sections a page is in: its own; Customers holds every page under its URL
    but Recovery; the sections with pages below hold those too."""
    found = []
    for key, url in urls.items():
        if key == "customers":
            inside = path.startswith(url) and path != urls["recovery"]
        elif key in WITH_PAGES_BELOW:
            inside = url in path
        else:
            inside = path == url
        if inside:
            found.append(key)
    return tuple(found)


@register.simple_tag(takes_context=True)
def sidebar_nav(context) -> str:
    membership = context.get("membership")
    return fragment(
        "includes/_sidebar_nav.html",
        active=sections_of(getattr(context.get("request"), "path", ""), reversed_urls(SECTIONS)),
        can_edit=bool(membership and membership.can_edit),
    )
