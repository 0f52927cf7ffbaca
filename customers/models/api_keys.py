"""API keys: the secrets a merchant's own code uses to call `/api`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class ApiKey(models.Model):
    """One API key of a business; the secret itself is never stored, only its HMAC."""

    id = PublicIdField(prefix="key")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="api_keys", db_index=False
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)  # the key's first characters, shown
    last_four = models.CharField(_("last four"), max_length=4)  # the key's last characters, shown
    # Hex HMAC-SHA256 of the whole key (accounts.api_keys.key_digest); looked up, never shown.
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read-only"), default=False)  # GETs only
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Refreshed at most once a minute, so a busy key does not write on every request.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)  # None = usable

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="apikey_business_created")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="apikey_revoked_after_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        """What people see instead of the key: `hub_sk_Ab3d…wxyz`."""
        return f"{self.prefix}…{self.last_four}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
