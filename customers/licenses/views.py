"""Dashboard actions on one customer's license keys: enable, disable, limit."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.errors import DomainError
from customers.licenses import services as licenses
from customers.licenses.forms import ActivationsLimitForm
from customers.models import LicenseKey
from customers.selectors import customer_get
from customers.views import detail_tab_url


def _license_key(request, customer_id, key_id) -> LicenseKey:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    keys = LicenseKey.objects.for_business(request.business)
    return get_object_or_404(keys, pk=key_id, customer=customer)


@editor_required
@require_POST
def license_key_status(request, customer_id, key_id):
    key = _license_key(request, customer_id, key_id)
    actor = Actor.user(request.user)
    if request.POST.get("action") == "enable":
        licenses.license_key_enable(license_key=key, actor=actor)
        messages.success(request, _("License key enabled."))
    else:
        licenses.license_key_disable(license_key=key, actor=actor)
        messages.success(request, _("License key disabled."))
    return redirect(detail_tab_url(customer_id, "license-keys"))


@editor_required
@require_POST
def license_key_limit(request, customer_id, key_id):
    key = _license_key(request, customer_id, key_id)
    form = ActivationsLimitForm(request.POST)
    if form.is_valid():
        try:
            licenses.license_key_set_activations_limit(
                license_key=key,
                activations_limit=form.cleaned_data["activations_limit"],
                actor=Actor.user(request.user),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Activations limit saved."))
    else:
        messages.error(request, _("Enter a whole number of activations, or leave it empty."))
    return redirect(detail_tab_url(customer_id, "license-keys"))
