"""Operators read credits here; credits only move through `wallets.credits.services`,
entitlements change in Settings → Credits or the API."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import NEWEST_FIRST
from wallets.credits.models import (
    CreditAllocation,
    CreditAutoTopUp,
    CreditAutoTopUpRun,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
    ProductCredit,
)


@admin.register(CreditEntitlement)
class CreditEntitlementAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "unit", "precision", "expires_after_days", "business"]
    search_fields = ["=id", "name"]
    list_select_related = ["business"]
    ordering = NEWEST_FIRST


@admin.register(CreditBalance)
class CreditBalanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "entitlement", "balance", "overage", "last_sequence"]
    search_fields = ["=id", "=customer__id"]
    list_select_related = ["customer", "entitlement"]


@admin.register(CreditGrant)
class CreditGrantAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "customer",
        "entitlement",
        "source_type",
        "initial_amount",
        "remaining_amount",
        "expires_at",
        "is_expired",
    ]
    list_filter = ["source_type", "is_expired"]
    search_fields = ["=id", "=customer__id", "=source_id"]
    list_select_related = ["customer", "entitlement"]
    ordering = NEWEST_FIRST


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "customer",
        "transaction_type",
        "is_credit",
        "amount",
        "balance_before",
        "balance_after",
        "actor_label",
    ]
    list_filter = ["transaction_type", "is_credit"]
    search_fields = ["=id", "=customer__id", "=idempotency_key", "=reference_id"]
    list_select_related = ["customer"]
    ordering = NEWEST_FIRST


@admin.register(CreditAllocation)
class CreditAllocationAdmin(ReadOnlyAdmin):
    list_display = ["entry", "grant", "amount"]
    search_fields = ["=entry__id", "=grant__id"]


@admin.register(ProductCredit)
class ProductCreditAdmin(ReadOnlyAdmin):
    list_display = ["product", "entitlement", "amount"]
    list_select_related = ["product", "entitlement"]


@admin.register(CreditAutoTopUp)
class CreditAutoTopUpAdmin(ReadOnlyAdmin):
    list_display = ["customer", "entitlement", "product", "threshold", "monthly_limit", "enabled"]
    search_fields = ["=customer__id"]
    list_select_related = ["customer", "entitlement", "product"]


@admin.register(CreditAutoTopUpRun)
class CreditAutoTopUpRunAdmin(ReadOnlyAdmin):
    list_display = ["rule", "month", "slot", "status", "payment", "error_code", "created_at"]
    list_filter = ["status"]
    search_fields = ["=payment__id", "=rule__customer__id"]
