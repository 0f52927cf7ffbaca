"""Bulk actions on customers: one row per action over a selection, with its progress.

The selection is either explicit customer IDs (rows ticked in the table) or the
table's query string ("all N matching this filter"), parsed again by whoever runs
the job. A run walks the selection in keyset batches by ID (`cursor` is the last
ID done, saved with each batch's changes in one transaction), so a crashed or
repeated run resumes where the last batch committed and never repeats one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.notes import Tag


class BulkJob(models.Model):
    """One bulk action over a selection of a business's customers."""

    class Action(models.TextChoices):
        INVITE = "invite", _("Invite to the portal")
        TAG_ADD = "tag_add", _("Add tag")
        TAG_REMOVE = "tag_remove", _("Remove tag")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = PublicIdField(prefix="blk")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    tag = models.ForeignKey(Tag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    customer_ids = models.JSONField(default=list, blank=True)  # the ticked rows, or []
    query = models.TextField(blank=True)  # else: the table's query string (filters, search)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveBigIntegerField(default=0)  # customers selected (0: not counted yet)
    done = models.PositiveBigIntegerField(default=0)  # customers processed so far
    changed = models.PositiveBigIntegerField(default=0)  # of which changed (tag added, …)
    # Where the walk is: "<created_at ISO>|<customer ID>" of the last customer processed.
    cursor = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also a heartbeat while running
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        indexes = [models.Index(fields=["business", "-created_at"], name="bulkjob_recent")]

    def __str__(self) -> str:
        return f"{self.pk} ({self.action}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)
