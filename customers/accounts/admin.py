"""Admin for team invitations and business logos (registered from CustomersConfig.ready;
both are changed in Settings, never here)."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from customers.models import BusinessLogo, Invitation


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are made, resent and revoked in Settings → Team (each an Event)."""

    list_display = [
        "email",
        "business",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "business__name"]
    list_select_related = ["business"]
    exclude = ["token_hash"]


@admin.register(BusinessLogo)
class BusinessLogoAdmin(ReadOnlyAdmin):
    """Set in Settings → Business; shown here, never edited."""

    list_display = ["business", "content_type", "updated_at"]
    exclude = ["image"]
