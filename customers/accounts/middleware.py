"""Sets `request.business` and `request.membership` for a signed-in merchant user.

The business is the one chosen in the session (see `business_switch`), or the
user's first. One query per request, whatever the page.
"""

from customers.models import Membership

SESSION_KEY = "business_id"


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
            memberships = list(
                Membership.objects.filter(user=user)
                .select_related("business")
                .order_by("business__name")
            )
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.business_id == chosen), None)
            current = current or (memberships[0] if memberships else None)
            request.memberships = memberships
            request.membership = current
            request.business = current.business if current else None
        return self.get_response(request)
