from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api, not_found
from customers.accounts import team_views
from customers.accounts import views as accounts_views
from customers.billing import subscription_views
from customers.notes import views as notes_views
from customers.overview import views as overview_views
from customers.webhooks import views as webhook_views
from portal.urls import merchant_urlpatterns as portal_merchant_urls
from portal.views import merchant as portal_merchant
from wallets.credits.urls import settings_urlpatterns as credit_settings_urls
from wallets.topup_views import settings_urlpatterns as top_up_settings_urls

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("accounts/", include("customers.accounts.urls")),
    path("customers/", include("customers.urls")),
    path("customers/", include("wallets.urls")),
    path("customers/", include("wallets.credits.urls")),
    path("customers/", include(portal_merchant_urls)),
    path("settings/team/", team_views.team_page, name="team"),
    path("settings/team/invite/", team_views.team_invite, name="team_invite"),
    path("settings/team/transfer/", team_views.ownership_transfer, name="team_transfer"),
    path(
        "settings/team/invitations/<str:invitation_id>/resend/",
        team_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/team/invitations/<str:invitation_id>/revoke/",
        team_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "settings/team/members/<int:membership_id>/role/",
        team_views.member_role,
        name="team_member_role",
    ),
    path(
        "settings/team/members/<int:membership_id>/remove/",
        team_views.member_remove,
        name="team_member_remove",
    ),
    path("settings/business/", team_views.business_profile, name="business_profile"),
    path("settings/portal/", portal_merchant.portal_settings, name="portal_settings"),
    path("settings/emails/", subscription_views.email_settings, name="email_settings"),
    path("settings/api-keys/", accounts_views.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<str:key_id>/revoke/",
        accounts_views.api_key_revoke_view,
        name="api_key_revoke",
    ),
    *credit_settings_urls,
    *top_up_settings_urls,
    path("settings/tags/", notes_views.tag_list, name="tag_list"),
    path("settings/tags/<str:tag_id>/", notes_views.tag_edit, name="tag_edit"),
    path("settings/tags/<str:tag_id>/delete/", notes_views.tag_delete, name="tag_delete"),
    path("settings/webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path(
        "settings/webhooks/<str:endpoint_id>/",
        webhook_views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "settings/webhooks/<str:endpoint_id>/secret/",
        webhook_views.webhook_secret,
        name="webhook_secret",
    ),
    path(
        "settings/webhooks/<str:endpoint_id>/test/", webhook_views.webhook_test, name="webhook_test"
    ),
    path(
        "settings/webhooks/<str:endpoint_id>/delete/",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<str:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        webhook_views.webhook_replay,
        name="webhook_replay",
    ),
    path("portal/", include("portal.urls")),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
