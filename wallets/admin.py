"""Operators read wallets and ledgers here; money only moves through `ledger_post`."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import NEWEST_FIRST
from wallets.models import LedgerEntry, TopUpSettings, Wallet


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["customer", "currency", "balance", "last_sequence", "business", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["=customer__id", "customer__email"]
    list_select_related = ["customer", "business"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "customer",
        "currency",
        "direction",
        "event_type",
        "amount",
        "balance_before",
        "balance_after",
        "actor_label",
    ]
    list_filter = ["currency", "direction", "event_type"]
    search_fields = ["=id", "=customer__id", "=reference_id", "=idempotency_key"]
    list_select_related = ["customer"]
    ordering = NEWEST_FIRST


@admin.register(TopUpSettings)
class TopUpSettingsAdmin(ReadOnlyAdmin):
    """Changed in Settings → Wallet top-ups (an Event per change)."""

    list_display = ["business", "currency", "enabled", "min_amount", "max_amount", "bonus_percent"]
    list_select_related = ["business"]


# The credit models' admin lives beside them; importing it registers it.
import wallets.credits.admin  # noqa: E402, F401
