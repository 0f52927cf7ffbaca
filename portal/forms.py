import re

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import HttpUrlField, PhoneNumberField
from customers.models import Product
from portal.models import PortalSettings


class MagicLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class InviteForm(forms.Form):
    send_email = forms.BooleanField(label=_("Also e-mail the link to the customer"), required=False)
    return_url = HttpUrlField(
        label=_("Return URL"),
        required=False,
        max_length=200,  # the model field's length
        assume_scheme="https",
        help_text=_("Shown as a “Return to …” button in the portal. Leave empty for the default."),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    phone_number = PhoneNumberField()

    def __init__(self, *args, business=None, **kwargs):
        super().__init__(*args, **kwargs)
        if business is not None:
            self.fields["phone_number"].use_region(business.country)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return name


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label=_("New e-mail address"), max_length=254)


class PortalSettingsForm(forms.ModelForm):
    default_return_url = HttpUrlField(
        label=_("Default return URL"),
        required=False,
        max_length=200,  # the model field's length
        assume_scheme="https",
        help_text=_("Where the portal's “Return to …” button goes, e.g. your app's account page."),
    )

    class Meta:
        model = PortalSettings
        fields = [
            "allow_cancellation",
            "allow_profile_updates",
            "allow_pause",
            "allow_plan_change",
            "retention_percent",
            "retention_cycles",
            "default_return_url",
            "brand_color",
        ]
        widgets = {
            "brand_color": forms.TextInput(attrs={"type": "color"}),
            "allow_cancellation": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        business_id = self.instance.business_id
        self.fields["plan_change_products"] = forms.ModelMultipleChoiceField(
            label=_("Plans customers can switch to"),
            queryset=Product.objects.for_business(business_id)
            .filter(is_recurring=True, archived=False)
            .order_by("currency", "price", "pk"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=list(self.instance.plan_change_products.all()) if self.instance.pk else [],
        )
        self.fields["retention_percent"].help_text = _(
            "Offered once, before a customer cancels in the portal; 0 means no offer."
        )
        self.fields["retention_percent"].widget.attrs.update(min=0, max=100)
        self.fields["retention_cycles"].widget.attrs.update(min=1, max=12)
        for name in ("retention_percent", "retention_cycles"):  # left empty: as they are
            self.fields[name].required = False

    def clean_retention_percent(self):
        value = self.cleaned_data["retention_percent"]
        return self.instance.retention_percent if value is None else value

    def clean_retention_cycles(self):
        value = self.cleaned_data["retention_cycles"]
        return self.instance.retention_cycles if value is None else value

    def clean_brand_color(self):
        value = self.cleaned_data["brand_color"].strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", value):
            raise forms.ValidationError(_("Enter a colour such as #4f46e5."), code="invalid")
        return value

    def values(self) -> dict:
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["plan_change_products"] = list(self.cleaned_data["plan_change_products"])
        return data


class PaymentMethodForm(forms.Form):
    """A card (number, expiry, holder) or a UPI ID. No CVC is asked: nothing here
    would keep it, and the number itself goes only to the gateway."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("card", _("Card")), ("upi", _("UPI"))],
        initial="card",
        widget=forms.RadioSelect,
    )
    card_number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=23,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    expiry_month = forms.IntegerField(
        label=_("Expiry month"), required=False, min_value=1, max_value=12
    )
    expiry_year = forms.IntegerField(
        label=_("Expiry year"), required=False, min_value=2000, max_value=2100
    )
    holder_name = forms.CharField(
        label=_("Name on card"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )
    upi_handle = forms.CharField(label=_("UPI ID"), required=False, max_length=100)
    make_default = forms.BooleanField(label=_("Make this my default"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "card":
            if not data.get("card_number"):
                self.add_error("card_number", _("Enter the card number."))
            if not data.get("expiry_month"):
                self.add_error("expiry_month", _("Enter the expiry month."))
            if not data.get("expiry_year"):
                self.add_error("expiry_year", _("Enter the expiry year."))
            data["upi_handle"] = ""
        elif data.get("kind") == "upi":
            if not data.get("upi_handle"):
                self.add_error("upi_handle", _("Enter the UPI ID."))
            data["card_number"] = ""
        return data
