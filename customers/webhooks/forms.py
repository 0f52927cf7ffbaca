"""The dashboard's endpoint form and the delivery log's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.webhooks.events import WEBHOOK_TYPES

TYPE_CHOICES = [(name, name) for name in WEBHOOK_TYPES]


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        help_text=_("Where we POST the events, e.g. https://example.com/webhooks/dodo."),
    )
    description = forms.CharField(
        label=pgettext_lazy("webhook endpoint", "Description"), max_length=500, required=False
    )
    filter_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to receive every event."),
    )
    disabled = forms.BooleanField(label=_("Disabled"), required=False)


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("succeeded", _("Succeeded")), ("failed", _("Failed"))],
    )
    type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All")), *TYPE_CHOICES]
    )
