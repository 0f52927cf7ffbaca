from django.contrib import admin

from customers.models import Business, Customer, Event, Membership, TablePreference


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
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


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: operators read it, never edit it."""

    list_display = ["created_at", "type", "object_id", "actor_kind", "actor_label", "business"]
    list_filter = ["type", "actor_kind"]
    search_fields = ["=object_id", "=id"]
    list_select_related = ["business"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
