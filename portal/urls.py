from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("session/<str:token>/", views.open_link, name="open"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("logout/", views.logout, name="logout"),
    path("billing/", views.billing, name="billing"),
    path("billing/<str:payment_id>/invoice.pdf", views.invoice, name="invoice"),
    path("refunds/<str:refund_id>/receipt.pdf", views.refund_receipt, name="refund_receipt"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<str:subscription_id>/", views.subscription_detail, name="subscription"),
    path(
        "subscriptions/<str:subscription_id>/cancel/",
        views.subscription_cancel,
        name="subscription_cancel",
    ),
    path(
        "subscriptions/<str:subscription_id>/keep/",
        views.subscription_keep,
        name="subscription_keep",
    ),
    path("license-keys/", views.license_keys, name="license_keys"),
    path(
        "devices/<str:instance_id>/deactivate/",
        views.instance_deactivate,
        name="instance_deactivate",
    ),
    path("wallet/", views.wallet, name="wallet"),
    path("profile/", views.profile, name="profile"),
    path("profile/email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("<str:business_id>/login/", views.login_page, name="login"),
    path("<str:business_id>/login/sent/", views.login_sent, name="login_sent"),
    path("<str:business_id>/brand.css", views.brand_css, name="brand_css"),
    path("<str:business_id>/logo", views.logo, name="logo"),
]
