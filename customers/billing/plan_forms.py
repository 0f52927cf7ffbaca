"""The plan-change form (dashboard and portal) and the customer e-mail settings form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.core.money import format_money
from customers.models import CustomerEmailSettings, PlanChange, Product, Subscription


def plan_choices(subscription: Subscription, products=None):
    """Recurring products the subscription may move to: same business and currency, not
    archived (and, from the portal, only those the merchant offers)."""
    if products is None:
        products = Product.objects.for_business(subscription.business_id)
    return (
        products.filter(is_recurring=True, archived=False, currency=subscription.currency)
        .exclude(pk=subscription.product_id)
        .order_by("price", "name", "pk")
    )


def _plan_label(product: Product) -> str:
    return f"{product.name} · {format_money(product.price, product.currency)}"


class PlanChangeForm(forms.Form):
    product = forms.ModelChoiceField(label=_("New plan"), queryset=Product.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000, initial=1)
    mode = forms.ChoiceField(
        label=_("Billing"),
        choices=PlanChange.Mode.choices,
        initial=PlanChange.Mode.PRORATED_IMMEDIATELY,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, subscription: Subscription, products=None, portal=False, **kw):
        super().__init__(*args, **kw)
        self.fields["product"].queryset = plan_choices(subscription, products)
        self.fields["product"].label_from_instance = _plan_label
        if portal:  # customers switch one plan for another, prorated
            del self.fields["mode"]
            del self.fields["quantity"]


class CustomerEmailSettingsForm(forms.ModelForm):
    class Meta:
        model = CustomerEmailSettings
        fields = [*CustomerEmailSettings.KINDS, "upcoming_renewal_days"]
        labels = {**CustomerEmailSettings.KINDS, "upcoming_renewal_days": _("Days before renewal")}
        help_texts = {
            "upcoming_renewal_days": _("When the upcoming-renewal e-mail goes out (1–30 days)."),
            "dunning": _("Sent by payment recovery after a failed renewal."),
        }
