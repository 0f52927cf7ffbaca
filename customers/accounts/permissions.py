"""Who may do what in a business, in one place: the role table and the view decorators
the dashboard's pages (customers, settings, team, API keys) use.

| action        | owner | admin | viewer |
| ------------- | ----- | ----- | ------ |
| view          | yes   | yes   | yes    |
| edit          | yes   | yes   | no     |  customers, money, API keys, settings
| team.view     | yes   | yes   | no     |
| team.manage   | yes   | no    | no     |  invite, change roles, remove, transfer
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

ROLE_ALLOWS = {
    "view": {"owner", "admin", "viewer"},
    "edit": {"owner", "admin"},
    "team.view": {"owner", "admin"},
    "team.manage": {"owner"},
}


def role_allows(membership, action: str) -> bool:
    """Whether the member's role may do `action` (a key of ROLE_ALLOWS)."""
    return membership is not None and membership.role in ROLE_ALLOWS[action]


def business_required(view):
    """Signed in and a member of some business; sets nothing, the middleware did."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.business is None:
            return render(
                request,
                "error.html",
                {
                    "title": _("No business yet"),
                    "message": _(
                        "Your login is not a member of any business. Ask an owner to add you."
                    ),
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def role_required(action: str):
    """Members whose role allows `action` (ROLE_ALLOWS); the others get a clear 403 page."""

    def decorator(view):
        @business_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not role_allows(request.membership, action):
                return _refused(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def editor_required(view):
    """Owners and admins only; viewers get a clear 403 page."""
    return role_required("edit")(view)


def _refused(request):
    business, membership = request.business, request.membership
    if not membership.can_edit:
        title = _("View-only access")
        message = _(
            "Your role in %(business)s is Viewer: you can look, but not change "
            "anything. Ask an owner or admin for access."
        ) % {"business": business.name}
    else:
        title = _("Owners only")
        message = _("Only an owner of %(business)s can do this. Your role is %(role)s.") % {
            "business": business.name,
            "role": membership.get_role_display(),
        }
    return render(request, "error.html", {"title": title, "message": message}, status=403)
