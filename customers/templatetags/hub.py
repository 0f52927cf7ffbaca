"""Template helpers: UTC dates, money, short IDs and small bits of markup."""

from django import template
from django.utils.safestring import mark_safe

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


@register.simple_tag(takes_context=True)
def fragment(context, template_name, values=None, **more):
    """A hot fragment drawn by Jinja2 with only `values` (a dict) and `more`, besides
    the `request` and its `csrf_input` (customers/core/jinja.py):
    `{% fragment "wallets/_ledger_rows.jinja" rows=tab.rows %}`. Jinja2 escapes what
    it prints, as Django templates do."""
    html = jinja.render(template_name, {**(values or {}), **more}, context.get("request"))
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
