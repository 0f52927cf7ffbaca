"""The dashboard's credit forms: grant or deduct by hand (customer details → Credits),
define an entitlement (Settings → Credits), attach it to a product. The rules are
the services'; a refusal comes back as an error on the field it names."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import Product, TimeInterval
from wallets.credits.amounts import parse_credits
from wallets.credits.errors import InvalidCreditRequest
from wallets.credits.models import CreditEntitlement, OverageBehavior
from wallets.credits.services import REASON_MAX_LENGTH

EXPIRY_CHOICES = [
    ("never", _("Never")),
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("60", _("60 days")),
    ("90", _("90 days")),
    ("custom", _("Custom")),
]


class CreditAdjustForm(forms.Form):
    """Grant or deduct credits by hand; a second, confirmed POST posts it once (the
    confirmation's token is the idempotency key, as in the wallet's form)."""

    direction = forms.ChoiceField(
        label=_("Type"),
        choices=[("credit", _("Grant")), ("debit", _("Deduct"))],
        widget=forms.RadioSelect,
        initial="credit",
    )
    entitlement = forms.ChoiceField(label=_("Credit"), choices=())
    amount = forms.CharField(
        label=_("Amount"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Internal: your team sees it in the ledger and the audit trail."),
        error_messages={"required": _("Enter a reason for this adjustment.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, entitlements: list[CreditEntitlement], **kwargs):
        super().__init__(*args, **kwargs)
        self.entitlements = {e.pk: e for e in entitlements}
        self.fields["entitlement"].choices = [(e.pk, f"{e.name} ({e.unit})") for e in entitlements]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Enter a reason for this adjustment."), code="required")
        return reason

    def clean(self):
        data = super().clean()
        entitlement = self.entitlements.get(data.get("entitlement"))
        if entitlement is not None and data.get("amount") is not None:
            data["entitlement_obj"] = entitlement
            try:
                data["milli"] = parse_credits(data["amount"], entitlement.precision)
            except InvalidCreditRequest as exc:
                self.add_error("amount", exc.message)
        return data

    def confirmation(self) -> dict:
        """The same values, confirmed, with a new idempotency token (the POST data)."""
        names = ("direction", "entitlement", "amount", "reason")
        data = {name: self.data.get(name, "") for name in names}
        return {**data, "confirmed": "on", "token": secrets.token_urlsafe(24)}


class EntitlementForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, help_text=_("e.g. API calls"))
    unit = forms.CharField(label=_("Unit"), max_length=100, help_text=_("e.g. calls, minutes"))
    description = forms.CharField(label=_("Description"), max_length=1000, required=False)
    precision = forms.TypedChoiceField(
        label=_("Decimals"),
        coerce=int,
        choices=[(n, str(n)) for n in range(4)],
        initial=0,
        help_text=_("How many decimal places amounts may have; fixed once created."),
    )
    expiry = forms.ChoiceField(label=_("Credits expire after"), choices=EXPIRY_CHOICES)
    expires_after_days = forms.IntegerField(
        label=_("Custom expiry (days)"), required=False, min_value=1, max_value=36_500
    )
    rollover_enabled = forms.BooleanField(label=_("Roll over unused credits"), required=False)
    rollover_percentage = forms.IntegerField(
        label=_("Share rolled over (%)"), required=False, min_value=0, max_value=100
    )
    rollover_timeframe_count = forms.IntegerField(
        label=_("Rolled credits last"), required=False, min_value=1, max_value=1000
    )
    rollover_timeframe_interval = forms.ChoiceField(
        label=_("Period"), required=False, choices=[("", "—"), *TimeInterval.choices]
    )
    max_rollover_count = forms.IntegerField(
        label=_("At most this many rollovers"), required=False, min_value=0, max_value=1000
    )
    overage_enabled = forms.BooleanField(label=_("Allow overage"), required=False)
    overage_limit = forms.IntegerField(
        label=_("Overage limit (credits)"), required=False, min_value=0, max_value=10**10
    )
    overage_behavior = forms.ChoiceField(
        label=_("At the end of a billing period"),
        choices=OverageBehavior.choices,
        help_text=_(
            "What a subscription's renewal does with the overage of the credits its product "
            "grants. Forgive at reset: it is written off. Invoice at billing: the overage × "
            "the price per credit is added to the renewal charge as a line of its own (only "
            "when the credit's currency is the subscription's; otherwise it is carried). "
            "Carry the deficit, with or without repay: it stays, and the next period's "
            "credits repay it first; nothing is charged."
        ),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    price_per_unit = forms.CharField(label=_("Price per credit"), max_length=30, required=False)
    low_balance_thresholds = forms.CharField(
        label=_("Low-balance alerts at"),
        max_length=100,
        required=False,
        help_text=_("Whole credits, separated by commas, e.g. 100, 10."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["precision"]

    def clean_low_balance_thresholds(self):
        text = self.cleaned_data["low_balance_thresholds"].strip()
        if not text:
            return []
        try:
            return [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise ValidationError(_("Enter whole numbers separated by commas.")) from None

    def clean(self):
        data = super().clean()
        # Invoicing overage needs a price to invoice it at (a form check: the API keeps
        # Dodo's contract, and a renewal carries unpriced overage instead).
        invoiced = data.get("overage_behavior") == OverageBehavior.INVOICE_AT_BILLING
        if data.get("overage_enabled") and invoiced and not data.get("price_per_unit"):
            self.add_error(
                "price_per_unit", _("Invoicing overage needs a price per credit and a currency.")
            )
        return data

    def values(self) -> dict:
        """The service's keyword arguments."""
        data = dict(self.cleaned_data)
        expiry = data.pop("expiry")
        if expiry == "never":
            data["expires_after_days"] = None
        elif expiry != "custom":
            data["expires_after_days"] = int(expiry)
        elif data.get("expires_after_days") is None:
            self.add_error("expires_after_days", _("Enter the number of days."))
        data["price_per_unit"] = data.get("price_per_unit") or None
        return data

    @staticmethod
    def initial_from(entitlement: CreditEntitlement) -> dict:
        days = entitlement.expires_after_days
        preset = {None: "never", 7: "7", 30: "30", 60: "60", 90: "90"}
        return {
            **{
                name: getattr(entitlement, name)
                for name in (
                    "name",
                    "unit",
                    "description",
                    "rollover_enabled",
                    "rollover_percentage",
                    "rollover_timeframe_count",
                    "rollover_timeframe_interval",
                    "max_rollover_count",
                    "overage_enabled",
                    "overage_limit",
                    "overage_behavior",
                    "currency",
                )
            },
            "expiry": preset.get(days, "custom"),
            "expires_after_days": days,
            "price_per_unit": ""
            if entitlement.price_per_unit is None
            else entitlement.price_per_unit.normalize(),
            "low_balance_thresholds": ", ".join(str(t) for t in entitlement.low_balance_thresholds),
        }


class ProductCreditForm(forms.Form):
    """Attach the entitlement to a product: credits per purchase or billing period."""

    product = forms.ChoiceField(label=_("Product"), choices=())
    amount = forms.CharField(label=_("Credits"), max_length=40)

    def __init__(self, *args, products: list[Product], precision: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {p.pk: p for p in products}
        self.precision = precision
        self.fields["product"].choices = [(p.pk, p.name) for p in products]

    def clean_amount(self):
        try:
            return parse_credits(self.cleaned_data["amount"], self.precision)
        except InvalidCreditRequest as exc:
            raise ValidationError(exc.message) from None
