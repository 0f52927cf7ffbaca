"""Merchant sessions: `request.business` and `request.membership` for a signed-in
user, and the end of a session that sat idle or lived too long.

The business is the one chosen in the session (see `business_switch`), or the
user's first. One query per request, whatever the page.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers.accounts.sessions import SEEN_AT, SIGNED_IN_AT
from customers.core.prepared import prepared
from customers.models import Membership

SESSION_KEY = "business_id"
SEEN_RESOLUTION = 60  # write the session at most once a minute, not on every request
NOT_MERCHANT_PATHS = ("/static/", "/portal/", "/api/")


class MerchantSessionTimeoutMiddleware:
    """Signs a merchant (or operator) out after MERCHANT_SESSION_IDLE_TIMEOUT seconds
    without a request, and SESSION_COOKIE_AGE seconds after signing in whatever the
    activity: the cookie's own expiry moves forward each time the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(NOT_MERCHANT_PATHS) and request.user.is_authenticated:
            session, now = request.session, int(time.time())
            signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
            if signed_in_at is None or seen_at is None:
                session[SIGNED_IN_AT] = session[SEEN_AT] = now
            elif (
                now - seen_at > settings.MERCHANT_SESSION_IDLE_TIMEOUT
                or now - signed_in_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
            elif now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)


@prepared("user_id")
def memberships_of(*, user_id: int) -> QuerySet[Membership]:
    """The user's memberships with their businesses, by name (a list: prepared, as every
    dashboard page reads them)."""
    return (
        Membership.objects.filter(user_id=user_id)
        .select_related("business")
        .order_by("business__name")
    )


class CurrentBusinessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = None
        request.membership = None
        request.memberships = []
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(("/static/", "/admin/", "/portal/", "/api/"))
        ):
            memberships = memberships_of(user_id=user.pk)
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.business_id == chosen), None)
            current = current or (memberships[0] if memberships else None)
            request.memberships = memberships
            request.membership = current
            request.business = current.business if current else None
        return self.get_response(request)
