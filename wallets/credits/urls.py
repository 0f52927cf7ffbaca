"""The Credits tab's action (under /customers/) and Settings → Credits."""

from django.urls import path

from wallets.credits import views

app_name = "credits"

urlpatterns = [
    path("<str:customer_id>/credits/adjust/", views.credits_adjust, name="adjust"),
]

settings_urlpatterns = [
    path("settings/credits/", views.credit_settings, name="credit_settings"),
    path(
        "settings/credits/<str:entitlement_id>/",
        views.credit_settings_detail,
        name="credit_settings_detail",
    ),
    path(
        "settings/credits/<str:entitlement_id>/products/",
        views.credit_settings_product,
        name="credit_settings_product",
    ),
    path(
        "settings/credits/<str:entitlement_id>/delete/",
        views.credit_settings_delete,
        name="credit_settings_delete",
    ),
]
