"""View decorators: who may see and who may change a business's data."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _


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


def editor_required(view):
    """Owners and admins only; viewers get a clear 403 page."""

    @business_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_edit:
            return render(
                request,
                "error.html",
                {
                    "title": _("View-only access"),
                    "message": _(
                        "Your role in %(business)s is Viewer: you can look, but not change "
                        "anything. Ask an owner or admin for access."
                    )
                    % {"business": request.business.name},
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper
