"""Merchant accounts, customers and the audit trail."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.ids import PublicIdField

# The 22 locales of the API contract (Dodo's `Locale`), with their own names.
LOCALE_CHOICES = [
    ("ar", "العربية"),
    ("ca", "Català"),
    ("zh", "中文"),
    ("nl", "Nederlands"),
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("he", "עברית"),
    ("id", "Bahasa Indonesia"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ka", "ქართული"),
    ("ko", "한국어"),
    ("ms", "Bahasa Melayu"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("sv", "Svenska"),
    ("th", "ไทย"),
    ("tr", "Türkçe"),
]


class BusinessScopedQuerySet(models.QuerySet):
    def for_business(self, business):
        return self.filter(business=business)


class Business(models.Model):
    """A merchant: the tenant that owns customers, payments and API keys."""

    id = PublicIdField(prefix="bus")
    name = models.CharField(_("name"), max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

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


class CustomerQuerySet(BusinessScopedQuerySet):
    def search(self, term: str):
        """Match name, e-mail or customer ID.

        Three or more characters: substring match on name and e-mail (served by
        trigram indexes on UPPER(col) on PostgreSQL) or an ID prefix. Shorter
        terms only match prefixes, which b-tree indexes can serve.
        """
        term = term.strip()
        if not term:
            return self
        id_match = models.Q(id__startswith=term)
        if len(term) < 3:
            return self.filter(
                id_match | models.Q(name__istartswith=term) | models.Q(email__istartswith=term)
            )
        return self.filter(
            id_match | models.Q(name__icontains=term) | models.Q(email__icontains=term)
        )


class Customer(models.Model):
    """One of a merchant's customers."""

    id = PublicIdField(prefix="cus")
    # Indexed by customer_business_created, which leads with the business.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    name = models.CharField(_("name"), max_length=255)
    email = models.EmailField(_("e-mail"), max_length=254)  # unique per business, any case
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)  # E.164
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)  # ≤ 50 string keys
    preferred_locale = models.CharField(
        _("preferred locale"), max_length=5, choices=LOCALE_CHOICES, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                models.F("business"), Lower("email"), name="customer_email_unique_per_business"
            )
        ]
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="customer_business_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        if not parts:
            return (self.email[:1] or "?").upper()
        if len(parts) == 1:
            return parts[0][:2].upper() if parts[0].isascii() else parts[0][:1]
        return (parts[0][:1] + parts[-1][:1]).upper()


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


class Event(models.Model):
    """One audited change: who did what to which object, written with the change."""

    class ActorKind(models.TextChoices):
        USER = "user", _("Team member")
        API_KEY = "api_key", _("API key")
        CUSTOMER = "customer", _("Customer")
        SYSTEM = "system", _("System")

    id = PublicIdField(prefix="evt")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=60)  # e.g. "customer.created"
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)  # e-mail or key name, as it was
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["business", "object_id", "created_at"], name="event_object"),
            models.Index(fields=["business", "created_at"], name="event_business_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"
