"""Admin for plan changes, customer e-mail settings, renewal reminders, saved payment
methods, dunning and gateway calls (registered from CustomersConfig.ready, beside
customers/admin.py); all read-only but the e-mail settings."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import (
    CustomerEmailSettings,
    Dunning,
    GatewayAttempt,
    GatewayRecord,
    PlanChange,
    RenewalReminder,
    SavedPaymentMethod,
)


@admin.register(PlanChange)
class PlanChangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscription", "mode", "charge_amount", "credit_amount", "status"]
    list_filter = ["status", "mode"]
    search_fields = ["=id", "=subscription__id"]


@admin.register(CustomerEmailSettings)
class CustomerEmailSettingsAdmin(admin.ModelAdmin):
    list_display = ["business", "upcoming_renewal_days", "updated_at"]
    readonly_fields = ["business", "updated_at"]


@admin.register(RenewalReminder)
class RenewalReminderAdmin(ReadOnlyAdmin):
    list_display = ["subscription_id", "period_end", "business", "created_at"]
    search_fields = ["=subscription_id"]


@admin.register(SavedPaymentMethod)
class SavedPaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "kind", "card_last_four", "is_default", "removed_at"]
    list_select_related = ["customer"]
    exclude = ["gateway_token"]


@admin.register(Dunning)
class DunningAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscription", "status", "attempts", "next_retry_at", "started_at"]


@admin.register(GatewayAttempt, GatewayRecord)
class GatewayCallAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "kind", "amount", "created_at"]
