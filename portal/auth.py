"""The portal's own sign-in: a cookie scoped to /portal/, separate from merchant logins."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import languages, services
from portal.models import PortalSettings

COOKIE = "hub_portal"
COOKIE_PATH = "/portal/"


def set_login_cookie(response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(services.LOGIN_ABSOLUTE.total_seconds()),
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_login_cookie(response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Lax")


def portal_login_required(view):
    """Sets request.customer, request.portal_business, request.portal_login, request.portal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        login, named = services.portal_login_resolve(request.COOKIES.get(COOKIE))
        if login is None:
            if named is not None:
                messages.info(request, _("Your portal session has ended. Sign in again."))
                response = redirect("portal:login", business_id=named.business_id)
            else:
                response = render(request, "portal/signed_out.html", status=401)
            clear_login_cookie(response)
            return response
        languages.activate(request, login.customer)
        request.portal_login = login
        request.customer = login.customer
        request.portal_business = login.business
        request.portal = PortalSettings.for_business(login.business)
        return view(request, *args, **kwargs)

    return wrapper
