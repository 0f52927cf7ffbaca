"""The signed-in customer's own pages. Every query starts from request.customer, so
a customer only ever reaches their own payments, subscriptions, keys and wallet."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.audit import Actor
from customers.billing.documents import invoice_document, invoice_filename
from customers.billing.invoices import pdf_response, refund_receipt_pdf
from customers.billing.selectors import customer_payments, customer_subscriptions
from customers.billing.subscriptions import subscription_cancellation_revoke
from customers.core.errors import CustomerEmailTaken, DomainError
from customers.core.formatting import utc_date
from customers.forms import BillingDetailsForm
from customers.licenses.selectors import customer_license_keys
from customers.licenses.services import license_key_instance_deactivate
from customers.models import LicenseKeyInstance, Payment, Refund, Subscription
from customers.services import BILLING_FIELDS
from portal import services
from portal.auth import portal_login_required
from portal.errors import PortalLinkInvalid, RateLimited
from portal.forms import EmailChangeForm, MagicLinkForm, ProfileForm
from portal.selectors import portal_home, with_refunds
from portal.subscription_services import offered_plans, retention_offer_to_show
from portal.views.access import no_referrer
from wallets.selectors import ledger_entries, wallets_for
from wallets.topups import bonus_label, top_up_rules

PAGE_SIZE = 20


def _render(request, template, context=None, status=200):
    """Render a signed-in portal page with the business's branding."""
    base = {
        "customer": request.customer,
        "portal_business": request.portal_business,
        "portal": request.portal,
        "return_url": request.portal_login.return_url or request.portal.default_return_url,
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def _render_list(request, template, rows, **context):
    """A portal page listing `rows`, PAGE_SIZE at a time (`?page=`)."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, template, {"page": page, **context})


@portal_login_required
def home(request):
    return _render(request, "portal/home.html", portal_home(request.customer))


@portal_login_required
def billing(request):
    customer = request.customer
    payments = customer_payments.rows(business_id=customer.business_id, customer_id=customer.pk)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    with_refunds(page.object_list)
    return _render(request, "portal/billing.html", {"page": page})


@portal_login_required
def invoice(request, payment_id):
    """Only a successful payment has an invoice (as on the dashboard and the API)."""
    payments = Payment.objects.filter(customer=request.customer, status=Payment.Status.SUCCEEDED)
    payment = get_object_or_404(payments, pk=payment_id)
    return pdf_response(invoice_document(payment=payment), invoice_filename(payment))


@portal_login_required
def refund_receipt(request, refund_id):
    refund = get_object_or_404(Refund.objects.filter(customer=request.customer), pk=refund_id)
    return pdf_response(refund_receipt_pdf(refund=refund), f"refund-{refund.pk}.pdf")


@portal_login_required
def subscriptions(request):
    customer = request.customer
    subs = customer_subscriptions.rows(business_id=customer.business_id, customer_id=customer.pk)
    return _render_list(request, "portal/subscriptions.html", subs)


@portal_login_required
def subscription_detail(request, subscription_id):
    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer).select_related(
            "product", "payment_method"
        ),
        pk=subscription_id,
    )
    return _render(
        request,
        "portal/subscription_detail.html",
        {
            "sub": sub,
            "feedback_choices": Subscription.Feedback.choices,
            "can_switch": sub.status == "active"
            and offered_plans(request.customer.business).exists(),
        },
    )


@portal_login_required
@require_POST
def subscription_cancel(request, subscription_id):
    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer), pk=subscription_id
    )
    when = request.POST.get("when")
    feedback = request.POST.get("feedback", "")
    cancellable = (
        sub.can_cancel
        and request.portal.allows_cancellation(when)
        and feedback in Subscription.Feedback.values
    )
    # Once per subscription, before it goes: the business's retention offer.
    if cancellable and (offer := retention_offer_to_show(subscription=sub)):
        return _render(
            request,
            "portal/retention_offer.html",
            {
                "sub": sub,
                "offer": offer,
                "when": when,
                "feedback": feedback,
                "comment": request.POST.get("comment", ""),
            },
        )
    if (
        when == "now"
        and request.POST.get("confirmed") != "1"
        and sub.can_cancel
        and request.portal.allow_cancellation == "both"
        and feedback in Subscription.Feedback.values
    ):
        # Access ends at once and cannot be given back here: ask first, with what it means.
        return render(
            request,
            "portal/subscription_cancel_confirm.html",
            {
                "sub": sub,
                "feedback": feedback,
                "comment": request.POST.get("comment", ""),
            },
        )
    try:
        sub = services.portal_subscription_cancel(
            customer=request.customer,
            subscription=sub,
            when=when,
            feedback=feedback,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your subscription will end on %(date)s.") % {"date": utc_date(sub.next_billing_date)}
            if when == "period_end"
            else _("Your subscription is cancelled."),
        )
    return redirect("portal:subscription", subscription_id=sub.pk)


@portal_login_required
@require_POST
def subscription_keep(request, subscription_id):
    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer), pk=subscription_id
    )
    try:
        subscription_cancellation_revoke(subscription=sub, actor=Actor.customer(request.customer))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your subscription will continue."))
    return redirect("portal:subscription", subscription_id=sub.pk)


@portal_login_required
def license_keys(request):
    keys = customer_license_keys(request.customer)
    return _render_list(request, "portal/license_keys.html", keys)


@portal_login_required
@require_POST
def instance_deactivate(request, instance_id):
    instance = get_object_or_404(
        LicenseKeyInstance.objects.filter(license_key__customer=request.customer), pk=instance_id
    )
    license_key_instance_deactivate(instance=instance, actor=Actor.customer(request.customer))
    messages.success(
        request, _("“%(name)s” was deactivated; the slot is free again.") % {"name": instance.name}
    )
    return redirect("portal:license_keys")


@portal_login_required
def wallet(request):
    currency = request.GET.get("currency") or None
    wallets = wallets_for(request.customer)
    if currency not in {w.currency for w in wallets}:
        currency = None
    entries = ledger_entries(request.customer, currency)
    rules = top_up_rules(request.customer.business)
    return _render_list(
        request,
        "portal/wallet.html",
        entries,
        wallets=wallets,
        currency=currency,
        can_top_up=bool(rules),
        top_up_bonuses=[(r, bonus_label(r)) for r in rules if r.bonus_percent],
    )


@portal_login_required
def profile(request):
    customer = request.customer
    form = ProfileForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={"name": customer.name, "phone_number": customer.phone_number},
        business=customer.business,
    )
    email_form = EmailChangeForm(request.POST if request.POST.get("form") == "email" else None)
    billing_form = BillingDetailsForm(
        request.POST if request.POST.get("form") == "billing" else None,
        initial={field: getattr(customer, field) for field in BILLING_FIELDS},
    )
    if request.method == "POST" and not request.portal.allow_profile_updates:
        messages.error(request, _("This business does not allow profile changes in the portal."))
        return redirect("portal:profile")
    if form.is_bound and form.is_valid():
        services.portal_profile_update(customer=customer, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("portal:profile")
    if billing_form.is_bound and billing_form.is_valid():
        services.portal_billing_update(customer=customer, **billing_form.cleaned_data)
        messages.success(request, _("Your billing details are saved."))
        return redirect("portal:profile")
    if email_form.is_bound and email_form.is_valid():
        new_email = email_form.cleaned_data["new_email"]
        try:
            services.email_change_request(
                customer=customer, new_email=new_email, language=request.LANGUAGE_CODE
            )
        except RateLimited as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            email_form.add_error(
                None,
                _("Too many attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes},
            )
            response = _render(
                request,
                "portal/profile.html",
                {"form": form, "email_form": email_form, "billing_form": billing_form},
                429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        else:
            messages.success(
                request,
                _("We sent a confirmation link to %(email)s. Your e-mail changes when you open it.")
                % {"email": new_email},
            )
            return redirect("portal:profile")
    return _render(
        request,
        "portal/profile.html",
        {"form": form, "email_form": email_form, "billing_form": billing_form},
    )


def email_confirm(request, token):
    try:
        customer = services.email_change_confirm(token=token)
    except (PortalLinkInvalid, CustomerEmailTaken):
        return no_referrer(
            render(request, "portal/link_invalid.html", {"form": MagicLinkForm()}, status=410)
        )
    messages.success(
        request, _("Your e-mail address is now %(email)s.") % {"email": customer.email}
    )
    return no_referrer(redirect("portal:profile"))
