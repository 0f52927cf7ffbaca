"""Merchant-side portal pages: the Invite action and the portal settings."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.htmx import render_page
from customers.selectors import customer_get
from portal import services
from portal.errors import InvalidReturnUrl
from portal.forms import InviteForm, PortalSettingsForm
from portal.models import PortalLink, PortalSettings


@editor_required
def invite(request, customer_id):
    """Create a 24-hour portal link for a customer, show it, optionally e-mail it."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    form = InviteForm(request.POST or None)
    link_url = None
    if request.method == "POST" and form.is_valid():
        try:
            _link, link_url = services.portal_session_create(
                customer=customer,
                send_email=form.cleaned_data["send_email"],
                return_url=form.cleaned_data["return_url"],
                actor=Actor.user(request.user),
            )
        except InvalidReturnUrl as exc:
            form.add_error("return_url", exc.message)
    return render_page(
        request,
        "portal/merchant/invite.html",
        "invite-body",
        {
            "customer": customer,
            "form": form,
            "link_url": link_url,
            "sent": form.is_bound and link_url and form.cleaned_data["send_email"],
        },
    )


@editor_required
@require_POST
def link_revoke(request, customer_id, link_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    link = get_object_or_404(PortalLink.objects.filter(customer=customer), pk=link_id)
    services.portal_link_revoke(link=link, actor=Actor.user(request.user))
    messages.success(request, _("The portal link was revoked; anyone using it is signed out."))
    return redirect("customers:detail", customer_id=customer.pk)


@editor_required
def portal_settings(request):
    current = PortalSettings.for_business(request.business)
    form = PortalSettingsForm(request.POST or None, request.FILES or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.portal_settings_save(
            business=request.business, actor=Actor.user(request.user), **form.values()
        )
        messages.success(request, _("Portal settings saved."))
        return redirect("portal_settings")
    return render(
        request,
        "portal/merchant/settings.html",
        {"form": form, "portal": current},
    )
