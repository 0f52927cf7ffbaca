"""Merchant accounts: the business (tenant), its members and their table choices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField

# Every list of rows with a created_at is shown newest first in this total order,
# served by the (business, …, created_at, id) indexes.
NEWEST_FIRST = ("-created_at", "-id")


class BusinessScopedQuerySet(models.QuerySet):
    def for_business(self, business):
        return self.filter(business=business)

    def newest_first(self):
        return self.order_by(*NEWEST_FIRST)


class Business(models.Model):
    """A merchant: the tenant that owns customers, payments and API keys."""

    id = PublicIdField(prefix="bus")
    name = models.CharField(_("name"), max_length=120, unique=True)
    # ISO 3166-1 alpha-2 ("KR"): phone numbers typed in its national format are read.
    country = models.CharField(_("country"), max_length=2, blank=True)
    # Who e-mails to customers say they are from; empty means the business's name.
    email_sender_name = models.CharField(_("e-mail sender name"), max_length=120, blank=True)
    # Days a failed renewal is retried before the subscription is cancelled (1–30).
    dunning_window_days = models.PositiveSmallIntegerField(_("recovery window (days)"), default=13)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dunning_window_days__gte=1, dunning_window_days__lte=30),
                name="business_dunning_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One user's role in one business."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.business} ({self.role})"

    @property
    def can_edit(self) -> bool:
        """Owners and admins change things; viewers only look."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class TablePreference(models.Model):
    """The columns one user chose, in order, for one table in one business."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    table = models.CharField(max_length=60)  # the Table class name
    columns = models.JSONField(default=list)  # visible column names, in display order
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "user", "table"], name="tablepreference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.table}"
