from django.urls import path

from customers import views
from customers.accounts import views as accounts_views
from customers.billing import recovery_views, subscription_views
from customers.billing import views as billing_views
from customers.bulk import views as bulk_views
from customers.imports import views as import_views
from customers.licenses import views as licenses_views
from customers.lifecycle import views as lifecycle_views
from customers.notes import views as notes_views
from customers.reports import job_views
from customers.reports import views as report_views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("columns/", views.customer_columns, name="columns"),
    path("report/", report_views.report_builder, name="report"),
    path("report/save/", report_views.report_save, name="report_save"),
    path("report/<str:report_id>/", report_views.report_builder, name="report_detail"),
    path("report/<str:report_id>/update/", report_views.report_update, name="report_update"),
    path("report/<str:report_id>/delete/", report_views.report_delete, name="report_delete"),
    path("export.csv", report_views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", report_views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("exports/", job_views.export_jobs, name="export_jobs"),
    path("exports/<str:job_id>/", job_views.export_job, name="export_job"),
    path(
        "exports/<str:job_id>/download/",
        job_views.export_job_download,
        name="export_job_download",
    ),
    path("exports/<str:job_id>/email/", job_views.export_job_email, name="export_job_email"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<str:job_id>/", import_views.import_detail, name="import"),
    path("imports/<str:job_id>/check/", import_views.import_check, name="import_check"),
    path("imports/<str:job_id>/start/", import_views.import_start, name="import_start"),
    path("switch-business/", accounts_views.business_switch, name="switch_business"),
    path("search/", views.search, name="search"),
    path("bulk/", bulk_views.bulk_start, name="bulk"),
    path("bulk/<str:job_id>/", bulk_views.bulk_job, name="bulk_job"),
    path("recovery/", recovery_views.recovery_list, name="recovery"),
    path("<str:customer_id>/", views.customer_detail, name="detail"),
    path("<str:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<str:customer_id>/notes/", notes_views.note_create, name="note_create"),
    path("<str:customer_id>/notes/<str:note_id>/", notes_views.note_edit, name="note_edit"),
    path(
        "<str:customer_id>/notes/<str:note_id>/delete/",
        notes_views.note_delete,
        name="note_delete",
    ),
    path("<str:customer_id>/tags/", notes_views.customer_tag_add, name="customer_tag_add"),
    path(
        "<str:customer_id>/tags/<str:tag_id>/remove/",
        notes_views.customer_tag_remove,
        name="customer_tag_remove",
    ),
    path("<str:customer_id>/delete/", lifecycle_views.customer_delete, name="delete"),
    path("<str:customer_id>/merge/", lifecycle_views.customer_merge, name="merge"),
    path(
        "<str:customer_id>/payments/<str:payment_id>/",
        billing_views.payment_detail,
        name="payment_detail",
    ),
    path(
        "<str:customer_id>/payments/<str:payment_id>/refund/",
        billing_views.refund_create,
        name="refund_create",
    ),
    path(
        "<str:customer_id>/payments/<str:payment_id>/invoice.pdf",
        billing_views.payment_invoice,
        name="payment_invoice",
    ),
    path(
        "<str:customer_id>/refunds/<str:refund_id>/receipt.pdf",
        billing_views.refund_receipt,
        name="refund_receipt",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/cancel/",
        billing_views.subscription_cancel,
        name="subscription_cancel",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/revoke-cancellation/",
        billing_views.subscription_revoke_cancellation,
        name="subscription_revoke_cancellation",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/pause/",
        subscription_views.subscription_pause_view,
        name="subscription_pause",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/resume/",
        subscription_views.subscription_resume_view,
        name="subscription_resume",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/change-plan/",
        subscription_views.subscription_change_plan_view,
        name="subscription_change_plan",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/retry/",
        recovery_views.dunning_retry,
        name="dunning_retry",
    ),
    path(
        "<str:customer_id>/subscriptions/<str:subscription_id>/stop-recovery/",
        recovery_views.dunning_stop,
        name="dunning_stop",
    ),
    path(
        "<str:customer_id>/payment-methods/<str:payment_method_id>/default/",
        recovery_views.payment_method_default,
        name="payment_method_default",
    ),
    path(
        "<str:customer_id>/payment-methods/<str:payment_method_id>/remove/",
        recovery_views.payment_method_remove,
        name="payment_method_remove",
    ),
    path(
        "<str:customer_id>/license-keys/<str:key_id>/status/",
        licenses_views.license_key_status,
        name="license_key_status",
    ),
    path(
        "<str:customer_id>/license-keys/<str:key_id>/limit/",
        licenses_views.license_key_limit,
        name="license_key_limit",
    ),
]
