"""Template helpers: UTC dates, money, short IDs and small bits of markup."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from customers.core import formatting, jinja
from customers.core.money import money_text
from customers.core.validation import country_name
from wallets.credits.amounts import credits_display

register = template.Library()

register.filter("utc", formatting.utc)
register.filter("utc_iso", formatting.utc_iso)
register.filter("utc_date", formatting.utc_date)
register.filter("avatar_hue", formatting.avatar_hue)
register.filter("short_id", formatting.short_id)
register.simple_tag(formatting.copy_button, name="copy_button")
register.filter("country", country_name)  # "KR" -> "South Korea" / "대한민국"
register.filter("long_text", formatting.long_text)
register.filter("money", money_text)  # {{ amount|money:currency }}


@register.simple_tag
def fragment(template_name, values=None, **more):
    """A hot fragment drawn by Jinja2 with only `values` (a dict) and `more`
    (customers/core/jinja.py): `{% fragment "wallets/_ledger_rows.jinja" rows=tab.rows %}`.
    Jinja2 escapes what it prints, as Django templates do."""
    html = jinja.engine().get_template(template_name).render({**(values or {}), **more})
    return mark_safe(html)  # escaped by Jinja2's autoescape


@register.simple_tag
def table_rows(table, bulk=False):
    return table.rows_html(bulk=bool(bulk))


@register.simple_tag(takes_context=True)
def row_url(context, viewname, *args):
    """`{% url %}` for each row of a list: `{% row_url "customers:payment_detail"
    customer.pk payment.pk %}` reverses the URL once per page around its last
    argument and puts each row's in its place (formatting.url_for_each)."""
    makers = context.render_context.setdefault("row_url", {})
    key = (viewname, *args[:-1])
    if key not in makers:
        makers[key] = formatting.url_for_each(viewname, *args[:-1])
    return makers[key](args[-1])


@register.filter
def credits(amount, precision):
    """Thousandths of a credit, for people: `{{ grant.remaining_amount|credits:2 }}`."""
    return credits_display(amount, precision) if amount is not None else ""


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    return formatting.query_replace(context["request"].GET, **changes)


# People read the audit trail: say what happened, keep the machine name beside it.
EVENT_LABELS = {
    "customer.created": gettext_lazy("Customer created"),
    "customer.updated": gettext_lazy("Details changed"),
    "customer.email_change_requested": gettext_lazy("E-mail change requested"),
    "refund.succeeded": gettext_lazy("Refund issued"),
    "refund.pending": gettext_lazy("Refund requested"),
    "refund.failed": gettext_lazy("Refund failed"),
    "subscription.cancelled": gettext_lazy("Subscription cancelled"),
    "subscription.cancellation_scheduled": gettext_lazy("Cancellation scheduled"),
    "subscription.cancellation_revoked": gettext_lazy("Cancellation withdrawn"),
    "subscription.renewed": gettext_lazy("Subscription renewed"),
    "subscription.on_hold": gettext_lazy("Subscription on hold"),
    "subscription.paused": gettext_lazy("Subscription paused"),
    "subscription.resumed": gettext_lazy("Subscription resumed"),
    "subscription.plan_changed": gettext_lazy("Plan changed"),
    "subscription.updated": gettext_lazy("Subscription updated"),
    "subscription.retention_offer_accepted": gettext_lazy("Retention offer accepted"),
    "license_key.disabled": gettext_lazy("License key disabled"),
    "license_key.enabled": gettext_lazy("License key enabled"),
    "license_key.updated": gettext_lazy("License key changed"),
    "license_key_instance.activated": gettext_lazy("Device activated"),
    "license_key_instance.deactivated": gettext_lazy("Device deactivated"),
    "license_key_instance.updated": gettext_lazy("Device renamed"),
    "wallet.credited": gettext_lazy("Wallet credited"),
    "wallet.debited": gettext_lazy("Wallet debited"),
    "credit.added": gettext_lazy("Credits added"),
    "credit.deducted": gettext_lazy("Credits used"),
    "credit.expired": gettext_lazy("Credits expired"),
    "credit.rolled_over": gettext_lazy("Credits rolled over"),
    "credit.rollover_forfeited": gettext_lazy("Rollover forfeited"),
    "credit.overage_charged": gettext_lazy("Overage charged"),
    "credit.overage_reset": gettext_lazy("Overage reset"),
    "credit.manual_adjustment": gettext_lazy("Credits adjusted by hand"),
    "credit.balance_low": gettext_lazy("Low credit balance"),
    "portal_session.created": gettext_lazy("Portal link created"),
    "portal_session.revoked": gettext_lazy("Portal link revoked"),
    "portal.login": gettext_lazy("Signed in to the portal"),
    "portal.login_link_sent": gettext_lazy("Portal sign-in link e-mailed"),
    "payment.succeeded": gettext_lazy("Payment received"),
    "payment.failed": gettext_lazy("Payment failed"),
    "payment.processing": gettext_lazy("Payment processing"),
    "payment.cancelled": gettext_lazy("Payment cancelled"),
    "subscription.active": gettext_lazy("Subscription started"),
    "subscription.expired": gettext_lazy("Subscription expired"),
    "subscription.failed": gettext_lazy("Subscription failed"),
    "license_key.created": gettext_lazy("License key issued"),
    "note.created": gettext_lazy("Note added"),
    "note.updated": gettext_lazy("Note edited"),
    "note.deleted": gettext_lazy("Note deleted"),
    "customer.tag_added": gettext_lazy("Tag added"),
    "customer.tag_removed": gettext_lazy("Tag removed"),
}

# Unknown types (a newer feature's, another branch's) read by their first part.
EVENT_AREA_LABELS = {
    "customer": gettext_lazy("Customer changed"),
    "payment": gettext_lazy("Payment activity"),
    "refund": gettext_lazy("Refund activity"),
    "subscription": gettext_lazy("Subscription activity"),
    "wallet": gettext_lazy("Wallet activity"),
    "portal": gettext_lazy("Portal activity"),
    "portal_session": gettext_lazy("Portal activity"),
    "license_key": gettext_lazy("License key activity"),
    "license_key_instance": gettext_lazy("License key activity"),
    "note": gettext_lazy("Note activity"),
    "tag": gettext_lazy("Tags changed"),
}


@register.filter
def event_label(event_type: str) -> str:
    """What happened, in the reader's language: the type's own label, else its area's
    ("Payment activity"), else "Other activity"."""
    label = EVENT_LABELS.get(event_type)
    if label is None:
        area = str(event_type).split(".", 1)[0]
        label = EVENT_AREA_LABELS.get(area, gettext_lazy("Other activity"))
    return label
