"""Settings → API keys: list, create (the secret is shown once), revoke."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.api_keys import api_key_create, api_key_revoke
from customers.models import ApiKey
from customers.permissions import editor_required
from customers.services import Actor


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Where the key is used, e.g. “Billing worker”."),
    )
    write_access = forms.BooleanField(
        label=gettext_lazy("Enable write access"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Without it the key can only read."),
    )


@never_cache
@editor_required
def api_keys(request):
    """The business's keys; a POST creates one and shows its secret on this response
    only (never stored, never redirected through the session)."""
    form = ApiKeyForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = api_key_create(
            business=request.business,
            name=form.cleaned_data["name"],
            read_only=not form.cleaned_data["write_access"],
            actor=Actor.user(request.user),
            created_by=request.user,
        )
        form = ApiKeyForm()
    keys = (
        ApiKey.objects.for_business(request.business)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at", "-id")[:200]
    )
    return render(
        request,
        "customers/api_keys.html",
        {"form": form, "keys": keys, "created": created, "secret": secret},
    )


@editor_required
@require_POST
def api_key_revoke_view(request, key_id):
    key = get_object_or_404(ApiKey.objects.for_business(request.business), pk=key_id)
    api_key_revoke(key=key, actor=Actor.user(request.user))
    messages.success(request, _("The key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("api_keys")
