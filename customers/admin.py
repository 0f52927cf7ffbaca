from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.accounts.signin import AdminSignInForm
from customers.audit import Actor
from customers.emails.services import email_retry
from customers.models import (
    ApiKey,
    Business,
    BusinessDay,
    Customer,
    CustomerSpend,
    EmailLog,
    Event,
    ExportJob,
    InvoiceCounter,
    InvoiceDocument,
    LicenseKey,
    LicenseKeyInstance,
    Membership,
    Payment,
    Product,
    Refund,
    SavedReport,
    SignupDay,
    Subscription,
    TablePreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from customers.webhooks.services import webhook_delivery_replay

# Operators sign in under the same per-account and per-IP limits as merchants.
admin.site.login_form = AdminSignInForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "country", "created_at"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "business", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "business__name"]
    list_select_related = ["user", "business"]
    autocomplete_fields = ["user", "business"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "id", "business", "phone_number", "created_at"]
    list_filter = ["business", "preferred_locale"]
    search_fields = ["=id", "email", "name"]
    list_select_related = ["business"]
    readonly_fields = ["id", "created_at", "updated_at"]
    autocomplete_fields = ["business"]
    show_full_result_count = False
    date_hierarchy = None


@admin.register(TablePreference)
class TablePreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "business", "table", "updated_at"]
    list_select_related = ["user", "business"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write (money, access, the audit trail): operators read them."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Large exports written by the worker: progress, outcome, last error."""

    list_display = ["created_at", "id", "business", "format", "status", "rows_written", "error"]
    list_filter = ["status", "format"]
    search_fields = ["=id"]
    list_select_related = ["business"]


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    """Every e-mail and where it got to; failed ones can be sent again."""

    list_display = ["created_at", "email_type", "recipient", "status", "attempts", "failure_reason"]
    list_filter = ["status", "category", "email_type"]
    search_fields = ["=recipient", "=customer_id", "=id"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request, queryset):
        count = email_retry(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d e-mail queued again.", "%d e-mails queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The audit trail is append-only: operators read it, never edit it."""

    list_display = ["created_at", "type", "object_id", "customer_id", "actor_kind", "actor_label"]
    list_filter = ["type", "actor_kind"]
    search_fields = ["=object_id", "=id", "=customer_id"]
    list_select_related = ["business"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "business", "price", "currency", "is_recurring", "archived"]
    list_filter = ["is_recurring", "license_key_enabled", "archived", "currency"]
    search_fields = ["=id", "name"]
    list_select_related = ["business"]
    readonly_fields = ["id", "created_at", "updated_at"]
    autocomplete_fields = ["business"]
    show_full_result_count = False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["id", "amount", "currency", "status", "destination", "reason", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "customer",
        "status",
        "total_amount",
        "currency",
        "pricing_type",
        "payment_method",
        "invoice_number",
        "created_at",
    ]
    list_filter = ["status", "pricing_type", "currency", "payment_method"]
    search_fields = ["=id", "=customer__id", "customer__email"]
    list_select_related = ["business", "customer"]
    raw_id_fields = ["customer", "product", "subscription"]
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "business", "payment", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "destination", "is_partial"]
    search_fields = ["=id", "=payment__id", "=customer__id"]
    list_select_related = ["business", "payment"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "customer",
        "product",
        "status",
        "recurring_pre_tax_amount",
        "currency",
        "next_billing_date",
        "cancel_at_next_billing_date",
    ]
    list_filter = ["status", "cancel_at_next_billing_date", "payment_frequency_interval"]
    search_fields = ["=id", "=customer__id", "customer__email"]
    list_select_related = ["business", "customer", "product"]


class LicenseKeyInstanceInline(admin.TabularInline):
    model = LicenseKeyInstance
    extra = 0
    fields = ["id", "name", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LicenseKey)
class LicenseKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "customer",
        "product",
        "status",
        "disabled_reason",
        "activations_limit",
        "expires_at",
    ]
    list_filter = ["status", "source", "disabled_reason"]
    search_fields = ["=id", "=key", "=customer__id"]
    list_select_related = ["business", "customer", "product"]
    inlines = [LicenseKeyInstanceInline]


@admin.register(LicenseKeyInstance)
class LicenseKeyInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "license_key", "business", "created_at"]
    search_fields = ["=id", "=license_key__id", "name"]
    list_select_related = ["business", "license_key"]


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ReadOnlyAdmin):
    list_display = ["business", "last_number"]
    list_select_related = ["business"]


@admin.register(InvoiceDocument)
class InvoiceDocumentAdmin(ReadOnlyAdmin):
    """Issued invoice PDFs as kept (customers.billing.documents)."""

    list_display = ["payment", "language", "business", "created_at"]
    list_select_related = ["business"]
    exclude = ["pdf"]


@admin.register(CustomerSpend)
class CustomerSpendAdmin(ReadOnlyAdmin):
    """Kept by database triggers from payments and refunds (read-only here)."""

    list_display = ["customer", "currency", "paid", "refunded", "net", "customer_created_at"]
    list_select_related = ["customer"]
    list_filter = ["currency"]
    search_fields = ["=customer__id"]


@admin.register(SignupDay)
class SignupDayAdmin(ReadOnlyAdmin):
    """Kept by database triggers from customers (read-only here)."""

    list_display = ["business", "day", "customers"]
    list_select_related = ["business"]
    date_hierarchy = "day"


@admin.register(BusinessDay)
class BusinessDayAdmin(ReadOnlyAdmin):
    """Kept by database triggers from payments, refunds, subscriptions and wallet
    ledger entries (read-only here)."""

    list_display = ["business", "day", "currency", "revenue", "refunds", "payments_failed", "mrr"]
    list_select_related = ["business"]
    list_filter = ["currency"]
    date_hierarchy = "day"


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are created and revoked in the dashboard; the secret is never stored."""

    list_display = [
        "name",
        "prefix",
        "last_four",
        "business",
        "read_only",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["read_only"]
    search_fields = ["name", "=prefix", "business__name"]
    list_select_related = ["business"]
    exclude = ["digest"]


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    list_display = ["name", "business", "created_by", "updated_at"]
    search_fields = ["name", "business__name"]
    list_select_related = ["business", "created_by"]
    raw_id_fields = ["business", "created_by"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Endpoints, read-only; the secrets are not shown (the merchant's dashboard and
    API reveal them to the business)."""

    list_display = ["url", "id", "business", "disabled", "failing_since", "created_at"]
    list_filter = ["disabled"]
    search_fields = ["=id", "url", "business__name"]
    list_select_related = ["business"]
    exclude = ["secret", "previous_secret"]


@admin.register(WebhookMessage)
class WebhookMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "type", "id", "business", "event_id"]
    list_filter = ["type"]
    search_fields = ["=id", "=event_id"]
    list_select_related = ["business"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "duration_ms", "error", "next_attempt_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """A message on its way to an endpoint, with every try; replay sends it again."""

    list_display = ["created_at", "message", "endpoint", "status", "attempts", "next_attempt_at"]
    list_filter = ["status"]
    search_fields = ["=message__id", "=endpoint__id"]
    list_select_related = ["message", "endpoint"]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request, queryset):
        deliveries = list(queryset.select_related("business"))
        for delivery in deliveries:
            webhook_delivery_replay(delivery=delivery, actor=Actor.user(request.user))
        count = len(deliveries)
        self.message_user(
            request,
            ngettext("%d delivery queued again.", "%d deliveries queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "attempted_at",
        "event_type",
        "endpoint",
        "status_code",
        "duration_ms",
        "error",
        "next_attempt_at",
    ]
    list_filter = ["succeeded", "event_type"]
    search_fields = ["=endpoint__id", "=delivery__message__id"]
    list_select_related = ["endpoint"]
