"""The delete confirmation and the merge form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, is_tombstone


class DeleteForm(forms.Form):
    """Typing the customer's e-mail confirms the delete."""

    email = forms.CharField(label=_("Type the customer's e-mail to confirm"), max_length=254)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_email(self):
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.customer.email.lower():
            raise forms.ValidationError(_("This is not the customer's e-mail."))
        return typed


class MergeForm(forms.Form):
    """The other customer (by ID or e-mail) and which of the two survives."""

    KEEP_THIS, KEEP_OTHER = "this", "other"

    other = forms.CharField(
        label=_("The other customer"),
        max_length=254,
        help_text=_("Its customer ID (cus_…) or e-mail."),
    )
    keep = forms.ChoiceField(
        label=_("Keep"),
        choices=[(KEEP_THIS, _("This customer")), (KEEP_OTHER, _("The other customer"))],
        initial=KEEP_THIS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_other(self):
        value = self.cleaned_data["other"].strip()
        customers = Customer.objects.for_business(self.customer.business_id)
        if value.startswith("cus_"):
            found = customers.filter(pk=value).first()
        else:
            found = customers.filter(email__iexact=value).first()
        if found is None or is_tombstone(found):
            raise forms.ValidationError(_("No customer of this business has this ID or e-mail."))
        if found.pk == self.customer.pk:
            raise forms.ValidationError(_("Choose another customer than this one."))
        return found

    def pair(self) -> tuple[Customer, Customer]:
        """(duplicate, survivor)."""
        other = self.cleaned_data["other"]
        if self.cleaned_data["keep"] == self.KEEP_THIS:
            return other, self.customer
        return self.customer, other
