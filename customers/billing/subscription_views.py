"""Dashboard views that change a subscription without cancelling it: pause, resume,
change plan (with a preview of the amount before confirming); and the settings page
of the lifecycle e-mails to customers. Thin: scoped lookup, service, message."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.billing.plan_changes import plan_change_quote, subscription_change_plan
from customers.billing.plan_forms import CustomerEmailSettingsForm, PlanChangeForm
from customers.billing.subscription_changes import subscription_pause, subscription_resume
from customers.core.errors import DomainError
from customers.core.money import format_money
from customers.emails.lifecycle import email_settings_save
from customers.models import CustomerEmailSettings, Subscription
from customers.selectors import customer_get
from customers.views import detail_tab_url


def _subscription(request, customer_id, subscription_id) -> Subscription:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    subs = Subscription.objects.for_business(request.business).select_related(
        "product", "customer", "business"
    )
    return get_object_or_404(subs, pk=subscription_id, customer=customer)


def _pause_or_resume(request, customer_id, subscription_id, service, done: str):
    sub = _subscription(request, customer_id, subscription_id)
    try:
        service(subscription=sub, actor=Actor.user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(detail_tab_url(customer_id, "subscriptions"))


@editor_required
@require_POST
def subscription_pause_view(request, customer_id, subscription_id):
    return _pause_or_resume(
        request,
        customer_id,
        subscription_id,
        subscription_pause,
        _("The subscription is paused; it is not billed until it is resumed."),
    )


@editor_required
@require_POST
def subscription_resume_view(request, customer_id, subscription_id):
    return _pause_or_resume(
        request,
        customer_id,
        subscription_id,
        subscription_resume,
        _("The subscription is active again."),
    )


def quote_lines(quote) -> dict:
    """What the preview shows: the amounts formatted, and the new period."""
    return {
        "charge": format_money(quote.charge_amount, quote.currency),
        "credit": format_money(quote.credit_amount, quote.currency) if quote.credit_amount else "",
        "recurring": format_money(quote.to_amount, quote.currency),
        "next_billing_date": quote.next_billing_date,
        "mode": quote.mode,
    }


@editor_required
def subscription_change_plan_view(request, customer_id, subscription_id):
    """Choose a plan and a billing mode → see what it charges now → confirm."""
    sub = _subscription(request, customer_id, subscription_id)
    back = detail_tab_url(customer_id, "subscriptions")
    form = PlanChangeForm(request.POST or None, subscription=sub)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {
            "subscription": sub,
            "product": data["product"],
            "quantity": data["quantity"],
            "mode": data["mode"],
        }
        try:
            if "confirm" in request.POST:
                subscription_change_plan(**args, actor=Actor.user(request.user))
                messages.success(
                    request,
                    _("The plan changed to %(plan)s.") % {"plan": data["product"].name},
                )
                return redirect(back)
            preview = quote_lines(plan_change_quote(**args, now=timezone.now()))
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "customers/subscription_change_plan.html",
        {
            "customer": sub.customer,
            "subscription": sub,
            "form": form,
            "preview": preview,
            "back": back,
        },
    )


@editor_required
def email_settings(request):
    current = CustomerEmailSettings.for_business(request.business.pk)
    form = CustomerEmailSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        email_settings_save(
            business=request.business, actor=Actor.user(request.user), **form.cleaned_data
        )
        messages.success(request, _("E-mail settings saved."))
        return redirect("email_settings")
    return render(request, "customers/email_settings.html", {"form": form})
