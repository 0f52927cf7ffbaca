"""The customer's subscription changes in the portal: pause, resume, switch plan (with
the amount shown before confirming) and the retention offer's answer."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.billing.plan_changes import plan_change_quote
from customers.billing.plan_forms import PlanChangeForm
from customers.core.errors import DomainError
from customers.core.money import format_money
from customers.models import PlanChange, Subscription
from portal import subscription_services as changes
from portal.auth import portal_login_required
from portal.views.self_service import _render


def _own(request, subscription_id) -> Subscription:
    subs = Subscription.objects.filter(customer=request.customer).select_related(
        "product", "business", "customer"
    )
    return get_object_or_404(subs, pk=subscription_id)


def _done(request, sub, service, message: str):
    try:
        service(customer=request.customer, subscription=sub)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("portal:subscription", subscription_id=sub.pk)


@portal_login_required
@require_POST
def subscription_pause(request, subscription_id):
    sub = _own(request, subscription_id)
    return _done(
        request,
        sub,
        changes.portal_subscription_pause,
        _("Your subscription is paused. You will not be charged until you resume it."),
    )


@portal_login_required
@require_POST
def subscription_resume(request, subscription_id):
    sub = _own(request, subscription_id)
    return _done(
        request, sub, changes.portal_subscription_resume, _("Your subscription is active again.")
    )


@portal_login_required
@require_POST
def retention_accept(request, subscription_id):
    sub = _own(request, subscription_id)
    return _done(
        request,
        sub,
        changes.retention_offer_accept,
        _("Offer applied: your next renewals cost less, and your subscription continues."),
    )


@portal_login_required
def subscription_change_plan(request, subscription_id):
    """Choose an offered plan → see the amount charged now → confirm."""
    sub = _own(request, subscription_id)
    offered = changes.offered_plans(request.customer.business)
    form = PlanChangeForm(request.POST or None, subscription=sub, products=offered, portal=True)
    preview = None
    if request.method == "POST" and form.is_valid():
        product = form.cleaned_data["product"]
        try:
            if "confirm" in request.POST:
                changes.portal_subscription_change_plan(
                    customer=request.customer, subscription=sub, product=product
                )
                messages.success(
                    request, _("Your plan changed to %(plan)s.") % {"plan": product.name}
                )
                return redirect("portal:subscription", subscription_id=sub.pk)
            quote = plan_change_quote(
                subscription=sub,
                product=product,
                quantity=sub.quantity,
                mode=PlanChange.Mode.PRORATED_IMMEDIATELY,
                now=timezone.now(),
            )
            preview = {
                "charge": format_money(quote.charge_amount, quote.currency),
                "credit": format_money(quote.credit_amount, quote.currency)
                if quote.credit_amount
                else "",
                "recurring": format_money(quote.to_amount, quote.currency),
                "next_billing_date": quote.next_billing_date,
            }
        except DomainError as exc:
            form.add_error(None, exc.message)
    return _render(
        request,
        "portal/subscription_change_plan.html",
        {"sub": sub, "form": form, "preview": preview, "has_plans": offered.exists()},
    )
