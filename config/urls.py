from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api, not_found
from customers.accounts import views as accounts_views
from customers.overview import views as overview_views
from customers.webhooks import views as webhook_views
from portal.urls import merchant_urlpatterns as portal_merchant_urls
from portal.views import merchant as portal_merchant

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("accounts/", include("customers.accounts.urls")),
    path("customers/", include("customers.urls")),
    path("customers/", include("wallets.urls")),
    path("customers/", include(portal_merchant_urls)),
    path("settings/portal/", portal_merchant.portal_settings, name="portal_settings"),
    path("settings/api-keys/", accounts_views.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<str:key_id>/revoke/",
        accounts_views.api_key_revoke_view,
        name="api_key_revoke",
    ),
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
