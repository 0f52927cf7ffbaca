"""Forms of Settings → Team, Settings → Business and the invitation page."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from customers.accounts.business import LOGO_MAX_BYTES, PROFILE_FIELDS, logo_content_type
from customers.core.validation import country_choices, currency_choices
from customers.forms import HttpUrlField
from customers.models import Membership


def _country_field(label, *, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        choices=lambda: [("", "—"), *country_choices()],
        required=False,
        help_text=help_text,
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.VIEWER
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class TransferForm(forms.Form):
    """Hand ownership to another member; the one handing over becomes an admin."""

    member = forms.TypedChoiceField(label=_("New owner"), coerce=int)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.user.get_username()) for m in members]


class JoinForm(forms.Form):
    """A new login for the invited address: its password, typed twice."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class BusinessProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Display name"),
        max_length=120,
        help_text=_("How customers know you: the portal header and e-mails."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        required=False,
        help_text=_("The issuer on invoices and receipts; the display name when empty."),
    )
    address_country = _country_field(_("Country"))
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    address_city = forms.CharField(label=_("City"), max_length=100, required=False)
    address_postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    address_state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    tax_id = forms.CharField(
        label=_("Tax ID"),
        max_length=50,
        required=False,
        help_text=_("VAT, GST or business registration number, printed on invoices."),
    )
    support_email = forms.EmailField(
        label=_("Support e-mail"),
        max_length=254,
        required=False,
        help_text=_("Customers' replies to your e-mails go here."),
    )
    website = HttpUrlField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https"
    )
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    country = _country_field(
        _("Country for phone numbers"),
        help_text=_("Numbers typed without a country code are read as this country's."),
    )
    email_sender_name = forms.CharField(
        label=_("E-mail sender name"),
        max_length=120,
        required=False,
        help_text=_("The name your customers' e-mails come from; the display name when empty."),
    )
    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, up to 200 kB. Shown in the portal and on invoices."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    PROFILE = PROFILE_FIELDS  # the fields business_profile_update takes

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the business's name."), code="required")
        return " ".join(name.split())

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo must be 200 kB or smaller."), code="too_big")
        data = upload.read()
        if logo_content_type(data) is None:
            raise forms.ValidationError(_("Upload a PNG, JPEG or WebP image."), code="type")
        return data

    def profile(self) -> dict:
        """The profile's fields, cleaned (for business_profile_update)."""
        excluded = ("logo_file", "remove_logo")
        return {
            name: value.strip() if isinstance(value, str) else value
            for name, value in self.cleaned_data.items()
            if name not in excluded
        }
