"""The dashboard's license key forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ActivationsLimitForm(forms.Form):
    activations_limit = forms.IntegerField(
        label=_("Activations limit"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text=_("Leave empty for unlimited."),
    )
