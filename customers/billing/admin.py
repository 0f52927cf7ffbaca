"""Admin for plan changes, customer e-mail settings and renewal reminders (registered
from CustomersConfig.ready, beside customers/admin.py)."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import CustomerEmailSettings, PlanChange, RenewalReminder


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
