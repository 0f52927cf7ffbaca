import json

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from customers.core.validation import (
    country_choices,
    country_name,
    normalize_phone,
    parse_metadata,
    phone_example,
)
from customers.models import LOCALE_CHOICES
from customers.tables import CustomerTable

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25


class TableParamsForm(forms.Form):
    """Page and rows-per-page from the query string; bad values fall back to defaults."""

    page = forms.IntegerField(min_value=1, required=False)
    per_page = forms.TypedChoiceField(
        choices=[(n, n) for n in PER_PAGE_CHOICES], coerce=int, required=False
    )

    def params(self) -> tuple[int, int]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        page = data.get("page") or 1
        per_page = data.get("per_page") or DEFAULT_PER_PAGE
        return page, per_page


class PhoneNumberField(forms.CharField):
    """An optional phone number, typed as people do, cleaned to E.164 (or "")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("International format, e.g. +82 10 1234 5678."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    region = ""  # the business's country, set by the form that knows it

    def clean(self, value):
        return normalize_phone(super().clean(value), region=self.region)

    def use_region(self, region: str) -> None:
        """Read national numbers of `region` ("KR"), and say so in the help text."""
        self.region = region or ""
        if self.region:
            self.help_text = _("As dialled in %(region)s (e.g. %(example)s) or with +.") % {
                "region": country_name(self.region),
                "example": phone_example(self.region),
            }


class HttpUrlField(forms.URLField):
    """A URL people's browsers are sent to: http(s) only, as the API."""

    default_validators = [
        URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// URL."))
    ]


class MetadataField(forms.CharField):
    """A JSON object typed into a textarea."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2) if value else ""
        return value

    def to_python(self, value):
        return parse_metadata(value)  # the API's rules (validate_metadata), from JSON text


class BillingDetailsForm(forms.Form):
    """A customer's billing details (the dashboard's customer form, the portal)."""

    business_name = forms.CharField(
        label=_("Business name"),
        max_length=200,
        required=False,
        help_text=_("For a business customer; invoices show it with the tax ID."),
    )
    tax_id = forms.CharField(label=_("Tax ID"), max_length=50, required=False)
    billing_street = forms.CharField(label=_("Street"), max_length=255, required=False)
    billing_city = forms.CharField(label=_("City"), max_length=100, required=False)
    billing_state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    billing_zipcode = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    billing_country = forms.ChoiceField(
        label=_("Country"), choices=lambda: [("", "—"), *country_choices()], required=False
    )


class CustomerForm(BillingDetailsForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone_number = PhoneNumberField()
    preferred_locale = forms.ChoiceField(
        label=_("Preferred locale"),
        choices=[("", _("Not set (English e-mails)"))] + LOCALE_CHOICES,
        required=False,
    )
    metadata = MetadataField(
        label=_("Metadata"),
        required=False,
        help_text=_('A JSON object of up to 50 keys, e.g. {"plan": "pro"}.'),
    )

    def __init__(self, *args, business=None, **kwargs):
        super().__init__(*args, **kwargs)
        if business is not None:
            self.fields["phone_number"].use_region(business.country)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter the customer's name."), code="required")
        return name

    def contact_fields(self):
        return [field for field in self if field.name not in BILLING_FORM_FIELDS]

    def billing_fields(self):
        return [self[name] for name in BILLING_FORM_FIELDS]


BILLING_FORM_FIELDS = (
    "business_name",
    "tax_id",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_zipcode",
    "billing_country",
)


class ColumnsForm(forms.Form):
    """Which customer-table columns show, in order (a list of names)."""

    columns = forms.MultipleChoiceField(
        choices=CustomerTable.column_choices, widget=forms.CheckboxSelectMultiple, required=True
    )
    order = forms.CharField(required=False)  # comma-separated names, the display order
    move = forms.CharField(required=False)  # "up:email" / "down:email" from the no-JS buttons

    def ordered_columns(self) -> list[str]:
        chosen = self.cleaned_data["columns"]
        order = CustomerTable.clean_columns((self.cleaned_data.get("order") or "").split(","))
        ordered = [c for c in order if c in chosen] + [c for c in chosen if c not in order]
        move = self.cleaned_data.get("move") or ""
        direction, _sep, name = move.partition(":")
        full = order + [c for c in CustomerTable.base_columns if c not in order]
        if name in full and direction in ("up", "down"):
            i = full.index(name)
            j = i - 1 if direction == "up" else i + 1
            if 0 <= j < len(full):
                full[i], full[j] = full[j], full[i]
            ordered = [c for c in full if c in chosen]
        return ordered
