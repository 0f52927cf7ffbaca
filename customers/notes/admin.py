"""Admin for notes, tags and bulk jobs (registered from CustomersConfig.ready, beside
customers/admin.py, which is at its size limit)."""

from django.contrib import admin

from customers.models import BulkJob, CustomerTag, Note, Tag


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "author_label", "business"]
    search_fields = ["=id", "=customer__id", "author_label"]
    raw_id_fields = ["customer", "author"]
    list_select_related = ["customer", "business"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color", "business", "created_at"]
    search_fields = ["name", "=id"]
    list_select_related = ["business"]


@admin.register(CustomerTag)
class CustomerTagAdmin(admin.ModelAdmin):
    list_display = ["customer", "tag", "business", "created_at"]
    raw_id_fields = ["customer", "tag"]
    list_select_related = ["customer", "tag", "business"]


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "status", "total", "done", "changed", "business"]
    list_filter = ["status", "action"]
    readonly_fields = ["cursor", "attempts", "error", "finished_at"]
    raw_id_fields = ["tag", "requested_by"]
    list_select_related = ["business"]
