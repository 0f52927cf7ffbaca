"""The dashboard's Credit / Debit form."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.core.money import parse_amount
from wallets.models import Direction
from wallets.services import DESCRIPTION_MAX_LENGTH, REASON_MAX_LENGTH, supported_currencies


class WalletAdjustForm(forms.Form):
    """Credit or debit one wallet by hand; a second, confirmed POST posts it.

    The confirmation step carries a fresh `token`, used as the idempotency key, so
    a double-clicked Confirm posts once; going back and changing the form gets a
    new token.
    """

    direction = forms.ChoiceField(
        label=_("Type"), choices=Direction.choices, widget=forms.RadioSelect, initial="credit"
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "12.50"}
        ),
        help_text=_("For example 12.50."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. Goodwill credit for outage")}
        ),
        help_text=_("Internal: your team sees it in the ledger and the audit trail."),
        error_messages={"required": _("Enter a reason for this adjustment.")},
    )
    description = forms.CharField(
        label=_("Description for the customer"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. Credit for the March outage")}
        ),
        help_text=_("Shown in the customer's portal; when empty, the entry's type is shown."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currencies = supported_currencies()
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["currency"].initial = currencies[0] if currencies else None

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Enter a reason for this adjustment."), code="required")
        return reason

    def clean(self):
        data = super().clean()
        currency, raw = data.get("currency"), data.get("amount")
        if currency and raw is not None:
            try:
                data["minor_amount"] = parse_amount(raw, currency)
            except ValidationError as exc:
                self.add_error("amount", exc)
        return data

    def confirmation(self) -> "WalletAdjustForm":
        """The same values, ready to confirm, with a new idempotency token."""
        names = ("direction", "currency", "reason", "description")
        data = {name: self.cleaned_data.get(name) for name in names}
        data.update(amount=self.data.get("amount", ""), confirmed=True, token=new_token())
        return WalletAdjustForm(data)


def new_token() -> str:
    return secrets.token_urlsafe(24)
