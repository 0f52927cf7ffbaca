"""Build Report's own form: saving the current report under a name."""

from django import forms
from django.utils.translation import gettext_lazy


class SavedReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Report name"), max_length=120)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
