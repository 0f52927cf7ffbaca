"""Getting into the portal: invite and sign-in links, the business's static login
page, signing out, and the business's brand stylesheet and logo."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.core.locales import shipped_language
from customers.core.ratelimit import client_ip
from customers.models import Business, BusinessLogo
from portal import languages, services
from portal.auth import COOKIE, clear_login_cookie, set_login_cookie
from portal.errors import PortalLinkInvalid, RateLimited
from portal.forms import MagicLinkForm
from portal.models import PortalLink, PortalSettings, token_hash


def no_referrer(response):
    """Pages reached through a token URL must not leak it to other sites."""
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def open_link(request, token):
    """/portal/session/<token>/: start a portal login and drop the token from the URL.

    Invite links sign in on GET. Single-use e-mailed links ask for one click
    (a POST), so that mail scanners that fetch links do not use them up.
    """
    link = (
        PortalLink.objects.select_related("business", "customer")
        .filter(token_hash=token_hash(token))
        .first()
    )
    usable = link is not None and link.status == "active"
    if not usable:
        response = render(
            request,
            "portal/link_invalid.html",
            {"link_business": link.business if link else None, "form": MagicLinkForm()},
            status=410 if link else 404,
        )
        return no_referrer(response)
    languages.activate(request, link.customer)
    if link.kind == PortalLink.Kind.MAGIC and request.method != "POST":
        # Branded like the portal it opens: the merchant's logo, name and colour.
        context = {
            "link_business": link.business,
            "portal_business": link.business,
            "portal": PortalSettings.for_business(link.business),
        }
        return no_referrer(render(request, "portal/link_confirm.html", context))
    try:
        _login, cookie_token = services.portal_login_start(token=token)
    except PortalLinkInvalid:
        return no_referrer(
            render(
                request,
                "portal/link_invalid.html",
                {"link_business": link.business, "form": MagicLinkForm()},
                status=410,
            )
        )
    response = redirect("portal:home")
    set_login_cookie(response, cookie_token)
    return no_referrer(response)


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
                client_ip=client_ip(request),
                language=request.LANGUAGE_CODE,
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
        services.portal_login_end(login=login)
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
    """The business's one logo (Settings → Business), for the portal and the dashboard."""
    found = get_object_or_404(BusinessLogo, business_id=business_id)
    response = HttpResponse(bytes(found.image), content_type=found.content_type)
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_POST
def language(request):
    """The portal's language switch. The choice is kept on this browser (a cookie under
    /portal/) and, for a signed-in customer, as their `preferred_locale` when the API
    has a code for the language; then back to the page it was made on."""
    next_url = request.POST.get("next", "")
    if not (
        next_url.startswith(languages.COOKIE_PATH)
        and next_url.isprintable()
        and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    ):
        next_url = reverse("portal:home")
    response = redirect(next_url)
    language = shipped_language(request.POST.get("language"))
    if language is None:
        messages.error(request, _("That language is not available in the portal."))
        return response
    languages.remember_choice(response, language)
    login, _named = services.portal_login_resolve(request.COOKIES.get(COOKIE))
    if login is not None:
        services.portal_language_set(customer=login.customer, language=language)
    return response
