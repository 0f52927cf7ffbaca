"""The customer's payment methods in the portal: add (card or UPI through the
gateway), make default, remove, and choose the method a subscription is charged to —
which, for a subscription in payment recovery, pays what it owes at once."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from customers.audit import Actor
from customers.billing import payment_methods, recovery
from customers.billing.gateway import TEST_CARDS, TEST_UPI, get_gateway
from customers.core.errors import DomainError
from customers.models import Dunning, SavedPaymentMethod, Subscription
from portal.auth import portal_login_required
from portal.forms import PaymentMethodForm
from portal.views.self_service import _render

# What the test gateway's cards do, for the form's plain note.
TEST_CARD_ROWS = [
    (f"{number[:4]} {number[4:8]} {number[8:12]} {number[12:]}", network, decline)
    for number, (network, _country, decline) in TEST_CARDS.items()
]


def _methods(customer):
    return SavedPaymentMethod.objects.usable().filter(customer=customer).order_by("-created_at")


def _method(request, payment_method_id) -> SavedPaymentMethod:
    return get_object_or_404(_methods(request.customer), pk=payment_method_id)


def _add(request, form) -> SavedPaymentMethod | None:
    """Save the form's method; a refusal becomes a form error."""
    data = form.cleaned_data
    try:
        return payment_methods.payment_method_add(
            customer=request.customer,
            gateway=get_gateway(),
            actor=Actor.customer(request.customer),
            card_number=data["card_number"],
            expiry_month=data["expiry_month"],
            expiry_year=data["expiry_year"],
            holder_name=data["holder_name"],
            upi_handle=data["upi_handle"],
            make_default=data["make_default"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None


def _page(request, template, form, **context):
    return _render(
        request,
        template,
        {
            "methods": _methods(request.customer),
            "form": form,
            "test_cards": TEST_CARD_ROWS,
            "test_upi": list(TEST_UPI),
            "builtin_gateway": True,
            **context,
        },
    )


@portal_login_required
@sensitive_post_parameters("card_number")
def payment_method_list(request):
    form = PaymentMethodForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _add(request, form):
        messages.success(request, _("Payment method saved."))
        back = request.GET.get("next", "")  # a purchase that sent the customer here
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts=None)
        if back.startswith("/portal/") and safe:
            return redirect(back)
        return redirect("portal:payment_methods")
    return _page(request, "portal/payment_methods.html", form)


@portal_login_required
@require_POST
def payment_method_default(request, payment_method_id):
    method = _method(request, payment_method_id)
    payment_methods.payment_method_set_default(
        payment_method=method, actor=Actor.customer(request.customer)
    )
    messages.success(request, _("%(method)s is now your default.") % {"method": method.label})
    return redirect("portal:payment_methods")


@portal_login_required
@require_POST
def payment_method_remove(request, payment_method_id):
    method = _method(request, payment_method_id)
    payment_methods.payment_method_remove(
        payment_method=method, gateway=get_gateway(), actor=Actor.customer(request.customer)
    )
    messages.success(request, _("%(method)s removed.") % {"method": method.label})
    return redirect("portal:payment_methods")


@portal_login_required
@sensitive_post_parameters("card_number")
def subscription_payment_method(request, subscription_id):
    """Choose a saved method for the subscription, or add a new one for it."""
    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer).select_related("product"),
        pk=subscription_id,
    )
    dunning = Dunning.objects.open().filter(subscription=sub).first()
    form = PaymentMethodForm(request.POST or None if "kind" in request.POST else None)
    if request.method == "POST" and sub.is_current:
        method = None
        if "kind" in request.POST:
            if form.is_valid():
                method = _add(request, form)
        else:
            method = (
                _methods(request.customer).filter(pk=request.POST.get("payment_method")).first()
            )
            if method is None:
                messages.error(request, _("Choose one of your payment methods."))
        if method is not None:
            outcome, _payment = recovery.subscription_payment_method_set(
                subscription=sub,
                payment_method=method,
                gateway=get_gateway(),
                actor=Actor.customer(request.customer),
            )
            if outcome == "renewed":
                messages.success(request, _("Paid. Your subscription is active again."))
            elif outcome == "failed":
                messages.error(
                    request, _("The charge to %(method)s was declined.") % {"method": method.label}
                )
            elif outcome in ("pending", "skipped"):
                messages.info(request, _("Your payment is being processed."))
            else:
                messages.success(
                    request,
                    _("Your subscription will be charged to %(method)s.")
                    % {"method": method.label},
                )
            return redirect("portal:subscription_payment_method", subscription_id=sub.pk)
    return _page(request, "portal/subscription_payment_method.html", form, sub=sub, dunning=dunning)
