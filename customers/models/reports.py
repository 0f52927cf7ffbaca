"""Saved reports: a named choice of columns and filters, shared within a business."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class SavedReport(models.Model):
    """One saved Build Report view: its columns and filters, reopened by URL."""

    id = PublicIdField(prefix="rpt")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="saved_reports", db_index=False
    )
    name = models.CharField(_("name"), max_length=120)
    columns = models.JSONField(_("columns"), default=list)  # report column names, in order
    filters = models.TextField(_("filters"), blank=True)  # query string: q, filters, sort
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        indexes = [
            models.Index(fields=["business", "name", "id"], name="savedreport_business_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def can_change(self, user, membership) -> bool:
        """Its creator, or an owner or admin of the business."""
        return membership.can_edit or (user.pk is not None and user.pk == self.created_by_id)
