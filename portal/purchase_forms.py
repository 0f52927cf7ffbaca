"""The portal's purchase forms: confirm a credit pack, top up the wallet, set an
auto top-up. Each confirm step carries a fresh token, the purchase's idempotency
key, so a double click or a replayed form charges once."""

import re
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.core.errors import DomainError
from customers.core.money import amount_example, format_money, parse_amount
from customers.models import Product, SavedPaymentMethod
from wallets.credits.amounts import parse_credits
from wallets.credits.models.auto_top_up import MAX_MONTHLY
from wallets.topups import top_up_check, top_up_settings

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class MethodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class ConfirmForm(forms.Form):
    """The card to charge and the one-time token of this confirmation."""

    payment_method = MethodChoiceField(
        label=_("Pay with"),
        queryset=SavedPaymentMethod.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your saved payment methods.")},
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].queryset = (
            SavedPaymentMethod.objects.usable()
            .filter(customer=customer)
            .order_by("-is_default", "-created_at")
        )
        self.fields["payment_method"].initial = self.fields["payment_method"].queryset.first()

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not TOKEN.fullmatch(token):
            raise ValidationError(_("This form has expired. Please try again."), code="token")
        return token


class TopUpForm(forms.Form):
    """How much to add, read in the customer's language ("12.50", "12,50")."""

    currency = forms.ChoiceField(label=_("Currency"), choices=())
    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, business, currencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["amount"].widget.attrs["placeholder"] = amount_example()

    def clean(self):
        data = super().clean()
        currency, raw = data.get("currency"), data.get("amount")
        if currency and raw is not None:
            try:
                data["minor_amount"] = parse_amount(raw, currency)
                top_up_check(top_up_settings(self.business, currency), data["minor_amount"])
            except ValidationError as exc:
                self.add_error("amount", exc)
            except DomainError as exc:
                self.add_error("amount", exc.message)
        return data


class PackChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {format_money(obj.price, obj.currency)}"


class AutoTopUpForm(forms.Form):
    """When the balance falls below `threshold`, buy `product`, at most N times a month."""

    enabled = forms.BooleanField(label=_("Auto top-up is on"), required=False)
    threshold = forms.CharField(label=_("When the balance falls below"), max_length=40)
    product = PackChoiceField(
        label=_("Buy"),
        queryset=Product.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a credit pack that adds this credit.")},
    )
    monthly_limit = forms.IntegerField(
        label=_("At most, per month"), min_value=1, max_value=MAX_MONTHLY, initial=3
    )

    def __init__(self, *args, packs, precision: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision
        self.fields["product"].queryset = packs

    def clean_threshold(self):
        try:
            return parse_credits(self.cleaned_data["threshold"], self.precision)
        except DomainError as exc:
            raise ValidationError(exc.message) from None
