from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from portal.models import PortalLink, PortalLogin, PortalSettings, RetentionOffer


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = ["business", "allow_cancellation", "allow_profile_updates", "updated_at"]
    list_select_related = ["business"]
    readonly_fields = ["business", "updated_at"]


@admin.register(PortalLink)
class PortalLinkAdmin(ReadOnlyAdmin):
    """Links grant access; they are made and revoked through the dashboard or the API."""

    list_display = ["id", "kind", "customer", "business", "created_at", "expires_at", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["=id", "=customer__id", "customer__email"]
    list_select_related = ["customer", "business"]
    exclude = ["token_hash"]


@admin.register(PortalLogin)
class PortalLoginAdmin(ReadOnlyAdmin):
    list_display = ["customer", "business", "started_at", "last_seen_at", "ended_at"]
    search_fields = ["=customer__id", "customer__email"]
    list_select_related = ["customer", "business"]
    exclude = ["token_hash"]


@admin.register(RetentionOffer)
class RetentionOfferAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "percent", "cycles", "shown_at", "accepted_at"]
    search_fields = ["=subscription__id"]
