"""The customer-facing portal. Every query starts from request.customer, so a
customer only ever reaches their own payments, subscriptions, keys and wallet."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.audit import Actor
from customers.core.errors import CustomerEmailTaken, DomainError
from customers.models import Business, LicenseKey, LicenseKeyInstance, Payment, Refund, Subscription
from portal import services
from portal.auth import clear_login_cookie, portal_login_required, set_login_cookie
from portal.errors import PortalLinkInvalid, RateLimited
from portal.forms import EmailChangeForm, MagicLinkForm, ProfileForm
from portal.models import PortalLink, PortalSettings, token_hash

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


def _no_referrer(response):
    # Pages reached through a token URL must not leak it to other sites.
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Getting in ---------------------------------------------------------------


@never_cache
def open_link(request, token):
    """/portal/session/<token>/: start a portal login and drop the token from the URL.

    Invite links sign in on GET. Single-use e-mailed links ask for one click
    (a POST), so that mail scanners that fetch links do not use them up.
    """
    link = (
        PortalLink.objects.select_related("business").filter(token_hash=token_hash(token)).first()
    )
    usable = link is not None and link.status == "active"
    if not usable:
        response = render(
            request,
            "portal/link_invalid.html",
            {"link_business": link.business if link else None, "form": MagicLinkForm()},
            status=410 if link else 404,
        )
        return _no_referrer(response)
    if link.kind == PortalLink.Kind.MAGIC and request.method != "POST":
        return _no_referrer(
            render(request, "portal/link_confirm.html", {"link_business": link.business})
        )
    try:
        _login, cookie_token = services.portal_login_start(token=token)
    except PortalLinkInvalid:
        return _no_referrer(
            render(
                request,
                "portal/link_invalid.html",
                {"link_business": link.business, "form": MagicLinkForm()},
                status=410,
            )
        )
    response = redirect("portal:home")
    set_login_cookie(response, cookie_token)
    return _no_referrer(response)


@never_cache
def login_page(request, business_id):
    """The business's static portal login: e-mail in, a sign-in link out."""
    business = get_object_or_404(Business, pk=business_id)
    form = MagicLinkForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST" and form.is_valid():
        try:
            services.magic_link_request(
                business=business,
                email=form.cleaned_data["email"],
                client_ip=services.client_ip(request),
            )
        except RateLimited as exc:
            retry_after = exc.retry_after
            minutes = max(1, -(-retry_after // 60))
            form.add_error(
                None,
                _("Too many attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes},
            )
            status = 429
        else:
            return redirect("portal:login_sent", business_id=business.pk)
    response = render(
        request,
        "portal/login.html",
        {
            "portal_business": business,
            "portal": PortalSettings.for_business(business),
            "form": form,
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


def login_sent(request, business_id):
    business = get_object_or_404(Business, pk=business_id)
    return render(
        request,
        "portal/login_sent.html",
        {"portal_business": business, "portal": PortalSettings.for_business(business)},
    )


@require_POST
def logout(request):
    login, _named = services.portal_login_resolve(request.COOKIES.get("hub_portal"))
    business_id = login.business_id if login else None
    if login:
        services.portal_logout(login=login)
    response = (
        redirect("portal:login", business_id=business_id)
        if business_id
        else redirect("portal:signed_out")
    )
    clear_login_cookie(response)
    return response


def signed_out(request):
    return render(request, "portal/signed_out.html", status=200)


def brand_css(request, business_id):
    """The business's brand colour as a stylesheet (inline styles are barred by our CSP)."""
    settings_row = PortalSettings.for_business(get_object_or_404(Business, pk=business_id))
    css = f":root {{ --brand: {settings_row.brand_color}; }}\n"
    response = HttpResponse(css, content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


def logo(request, business_id):
    settings_row = get_object_or_404(PortalSettings, business_id=business_id)
    if not settings_row.logo:
        return HttpResponse(status=404)
    response = HttpResponse(bytes(settings_row.logo), content_type=settings_row.logo_content_type)
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- Signed in ----------------------------------------------------------------


@portal_login_required
def home(request):
    from wallets.selectors import wallets_for

    customer = request.customer
    subscriptions = (
        Subscription.objects.filter(customer=customer, status__in=Subscription.CURRENT)
        .select_related("product")
        .order_by("next_billing_date", "id")[:5]
    )
    payments = (
        Payment.objects.filter(customer=customer)
        .with_refund_totals()
        .select_related("product")
        .order_by("-created_at", "-id")[:3]
    )
    return _render(
        request,
        "portal/home.html",
        {"wallets": wallets_for(customer), "subscriptions": subscriptions, "payments": payments},
    )


@portal_login_required
def billing(request):
    payments = (
        Payment.objects.filter(customer=request.customer)
        .with_refund_totals()
        .select_related("product")
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")))
        .order_by("-created_at", "-id")
    )
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "portal/billing.html", {"page": page})


@portal_login_required
def invoice(request, payment_id):
    from customers.billing.invoices import invoice_pdf

    payment = get_object_or_404(Payment.objects.filter(customer=request.customer), pk=payment_id)
    return _pdf(invoice_pdf(payment=payment), f"invoice-{payment.pk}.pdf")


@portal_login_required
def refund_receipt(request, refund_id):
    from customers.billing.invoices import refund_receipt_pdf

    refund = get_object_or_404(Refund.objects.filter(customer=request.customer), pk=refund_id)
    return _pdf(refund_receipt_pdf(refund=refund), f"refund-{refund.pk}.pdf")


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@portal_login_required
def subscriptions(request):
    subs = (
        Subscription.objects.filter(customer=request.customer)
        .select_related("product")
        .order_by("-created_at", "-id")
    )
    page = Paginator(subs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "portal/subscriptions.html", {"page": page})


@portal_login_required
def subscription_detail(request, subscription_id):
    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer).select_related("product"),
        pk=subscription_id,
    )
    return _render(
        request,
        "portal/subscription_detail.html",
        {"sub": sub, "feedback_choices": Subscription.Feedback.choices},
    )


@portal_login_required
@require_POST
def subscription_cancel(request, subscription_id):
    from customers.billing.subscriptions import subscription_cancel as cancel

    sub = get_object_or_404(
        Subscription.objects.filter(customer=request.customer), pk=subscription_id
    )
    policy = request.portal.allow_cancellation
    when = request.POST.get("when")
    allowed = {
        PortalSettings.Cancellation.OFF: set(),
        PortalSettings.Cancellation.PERIOD_END: {"period_end"},
        PortalSettings.Cancellation.BOTH: {"period_end", "now"},
    }[policy]
    feedback = request.POST.get("feedback", "")
    comment = request.POST.get("comment", "")[:1000]
    if when not in allowed:
        messages.error(request, _("This way of cancelling is not available. Contact the business."))
    elif feedback not in Subscription.Feedback.values:
        messages.error(request, _("Choose a reason for cancelling."))
    else:
        try:
            cancel(
                subscription=sub,
                actor=Actor.customer(request.customer),
                at_next_billing_date=(when == "period_end"),
                feedback=feedback,
                comment=comment,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Your subscription will end on %(date)s.")
                % {"date": sub.next_billing_date.strftime("%Y-%m-%d")}
                if when == "period_end"
                else _("Your subscription is cancelled."),
            )
    return redirect("portal:subscription", subscription_id=sub.pk)


@portal_login_required
@require_POST
def subscription_keep(request, subscription_id):
    from customers.billing.subscriptions import subscription_cancellation_revoke

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
    keys = (
        LicenseKey.objects.filter(customer=request.customer)
        .select_related("product")
        .prefetch_related(
            Prefetch("instances", queryset=LicenseKeyInstance.objects.order_by("created_at", "id"))
        )
        .annotate(instance_count=Count("instances"))
        .order_by("-created_at", "-id")
    )
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "portal/license_keys.html", {"page": page})


@portal_login_required
@require_POST
def instance_deactivate(request, instance_id):
    from customers.licenses.services import license_key_instance_deactivate

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
    from wallets.selectors import ledger_entries, wallets_for

    currency = request.GET.get("currency") or None
    wallets = wallets_for(request.customer)
    if currency not in {w.currency for w in wallets}:
        currency = None
    page = Paginator(ledger_entries(request.customer, currency), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _render(
        request, "portal/wallet.html", {"wallets": wallets, "page": page, "currency": currency}
    )


@portal_login_required
def profile(request):
    customer = request.customer
    form = ProfileForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={"name": customer.name, "phone_number": customer.phone_number},
    )
    email_form = EmailChangeForm(request.POST if request.POST.get("form") == "email" else None)
    if request.method == "POST" and not request.portal.allow_profile_updates:
        messages.error(request, _("This business does not allow profile changes in the portal."))
        return redirect("portal:profile")
    if form.is_bound and form.is_valid():
        services.portal_profile_update(customer=customer, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("portal:profile")
    if email_form.is_bound and email_form.is_valid():
        new_email = email_form.cleaned_data["new_email"]
        try:
            services.email_change_request(customer=customer, new_email=new_email)
        except CustomerEmailTaken:
            email_form.add_error("new_email", _("That address cannot be used. Choose another."))
        else:
            messages.success(
                request,
                _("We sent a confirmation link to %(email)s. Your e-mail changes when you open it.")
                % {"email": new_email},
            )
            return redirect("portal:profile")
    return _render(request, "portal/profile.html", {"form": form, "email_form": email_form})


def email_confirm(request, token):
    try:
        customer = services.email_change_confirm(token=token)
    except (PortalLinkInvalid, CustomerEmailTaken):
        return _no_referrer(
            render(request, "portal/link_invalid.html", {"form": MagicLinkForm()}, status=410)
        )
    messages.success(
        request, _("Your e-mail address is now %(email)s.") % {"email": customer.email}
    )
    return _no_referrer(redirect("portal:profile"))
