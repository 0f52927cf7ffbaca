"""How a customer is named on pages where it may be a tombstone."""

from django import template
from django.utils.translation import gettext as _

from customers.models import is_tombstone

register = template.Library()


@register.filter
def customer_name(customer) -> str:
    """The customer's name, or "Deleted customer" for a deleted or merged one."""
    return _("Deleted customer") if is_tombstone(customer) else customer.name


@register.filter
def tombstone(customer) -> bool:
    return is_tombstone(customer)
