from django.urls import path

from portal.views import (
    access,
    credits,
    merchant,
    payment_methods,
    purchases,
    self_service,
    subscription_changes,
)

app_name = "portal"

urlpatterns = [
    path("", self_service.home, name="home"),
    path("session/<str:token>/", access.open_link, name="open"),
    path("signed-out/", access.signed_out, name="signed_out"),
    path("logout/", access.logout, name="logout"),
    path("language/", access.language, name="language"),
    path("billing/", self_service.billing, name="billing"),
    path("billing/<str:payment_id>/invoice.pdf", self_service.invoice, name="invoice"),
    path("refunds/<str:refund_id>/receipt.pdf", self_service.refund_receipt, name="refund_receipt"),
    path("subscriptions/", self_service.subscriptions, name="subscriptions"),
    path(
        "subscriptions/<str:subscription_id>/",
        self_service.subscription_detail,
        name="subscription",
    ),
    path(
        "subscriptions/<str:subscription_id>/cancel/",
        self_service.subscription_cancel,
        name="subscription_cancel",
    ),
    path(
        "subscriptions/<str:subscription_id>/keep/",
        self_service.subscription_keep,
        name="subscription_keep",
    ),
    path(
        "subscriptions/<str:subscription_id>/pause/",
        subscription_changes.subscription_pause,
        name="subscription_pause",
    ),
    path(
        "subscriptions/<str:subscription_id>/resume/",
        subscription_changes.subscription_resume,
        name="subscription_resume",
    ),
    path(
        "subscriptions/<str:subscription_id>/change-plan/",
        subscription_changes.subscription_change_plan,
        name="subscription_change_plan",
    ),
    path(
        "subscriptions/<str:subscription_id>/offer/accept/",
        subscription_changes.retention_accept,
        name="retention_accept",
    ),
    path(
        "subscriptions/<str:subscription_id>/payment-method/",
        payment_methods.subscription_payment_method,
        name="subscription_payment_method",
    ),
    path("payment-methods/", payment_methods.payment_method_list, name="payment_methods"),
    path(
        "payment-methods/<str:payment_method_id>/default/",
        payment_methods.payment_method_default,
        name="payment_method_default",
    ),
    path(
        "payment-methods/<str:payment_method_id>/remove/",
        payment_methods.payment_method_remove,
        name="payment_method_remove",
    ),
    path("license-keys/", self_service.license_keys, name="license_keys"),
    path(
        "devices/<str:instance_id>/deactivate/",
        self_service.instance_deactivate,
        name="instance_deactivate",
    ),
    path("wallet/", self_service.wallet, name="wallet"),
    path("wallet/top-up/", purchases.wallet_top_up, name="wallet_top_up"),
    path("credits/", credits.credits, name="credits"),
    path("credits/buy/<str:product_id>/", purchases.pack_buy, name="pack_buy"),
    path("purchases/<str:payment_id>/", purchases.purchase, name="purchase"),
    path("profile/", self_service.profile, name="profile"),
    path("profile/email/<str:token>/", self_service.email_confirm, name="email_confirm"),
    path("<str:business_id>/login/", access.login_page, name="login"),
    path("<str:business_id>/login/sent/", access.login_sent, name="login_sent"),
    path("<str:business_id>/brand.css", access.brand_css, name="brand_css"),
    path("<str:business_id>/logo", access.logo, name="logo"),
]

# The merchant's side, inside the dashboard (mounted under /customers/ and /settings/).
merchant_urlpatterns = [
    path("<str:customer_id>/invite/", merchant.invite, name="customer_invite"),
    path(
        "<str:customer_id>/portal-links/<str:link_id>/revoke/",
        merchant.link_revoke,
        name="portal_link_revoke",
    ),
]
