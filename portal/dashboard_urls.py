"""Portal actions inside the merchant dashboard, mounted under /customers/."""

from django.urls import path

from portal import dashboard

urlpatterns = [
    path("<str:customer_id>/invite/", dashboard.invite, name="customer_invite"),
    path(
        "<str:customer_id>/portal-links/<str:link_id>/revoke/",
        dashboard.link_revoke,
        name="portal_link_revoke",
    ),
]
