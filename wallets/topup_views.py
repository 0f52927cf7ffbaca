"""Settings → Wallet top-ups: per wallet currency, whether customers may top up in
the portal, the smallest and largest top-up, and the promotional bonus rule
("+10% on top-ups of $50.00 or more"). Owners and admins only."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.money import parse_amount, to_decimal
from wallets.services import supported_currencies
from wallets.topups import bonus_label, top_up_settings, top_up_settings_save


class TopUpSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Customers can top up their wallet in the portal"), required=False
    )
    min_amount = forms.CharField(label=_("Smallest top-up"), max_length=32)
    max_amount = forms.CharField(label=_("Largest top-up"), max_length=32)
    bonus_percent = forms.IntegerField(
        label=_("Promotional bonus (%)"),
        min_value=0,
        max_value=100,
        help_text=_("0 for no bonus. Posted as its own wallet entry."),
    )
    bonus_min_amount = forms.CharField(
        label=_("Bonus on top-ups from"), max_length=32, required=False
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, prefix=currency.lower(), **kwargs)
        self.currency = currency

    def _money(self, name, *, required=True) -> int:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw and not required:
            return 0
        try:
            return parse_amount(raw, self.currency)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_min_amount(self):
        return self._money("min_amount")

    def clean_max_amount(self):
        return self._money("max_amount")

    def clean_bonus_min_amount(self):
        return self._money("bonus_min_amount", required=False)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and high < low:
            message = gettext("The largest top-up must be at least the smallest.")
            self.add_error("max_amount", message)
        return data


def _initial(rule) -> dict:
    return {
        "enabled": rule.enabled,
        "min_amount": to_decimal(rule.min_amount, rule.currency),
        "max_amount": to_decimal(rule.max_amount, rule.currency),
        "bonus_percent": rule.bonus_percent,
        "bonus_min_amount": to_decimal(rule.bonus_min_amount, rule.currency),
    }


@never_cache
@editor_required
def top_up_settings_page(request):
    posted = request.POST.get("currency") if request.method == "POST" else None
    sections = []
    for currency in supported_currencies():
        rule = top_up_settings(request.business, currency)
        form = TopUpSettingsForm(
            request.POST if posted == currency else None,
            currency=currency,
            initial=_initial(rule),
        )
        if form.is_bound and form.is_valid():
            top_up_settings_save(
                business=request.business,
                currency=currency,
                actor=Actor.user(request.user),
                **form.cleaned_data,
            )
            saved = gettext("%(currency)s top-ups saved.") % {"currency": currency}
            messages.success(request, saved)
            return redirect("top_up_settings")
        sections.append((currency, form, bonus_label(rule)))
    return render(request, "wallets/top_up_settings.html", {"sections": sections})


settings_urlpatterns = [
    path("settings/wallet-top-ups/", top_up_settings_page, name="top_up_settings"),
]
