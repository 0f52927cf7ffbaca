from django.contrib import admin

from customers.models import (
    ApiKey,
    Business,
    Customer,
    CustomerSpend,
    Event,
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
)


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
