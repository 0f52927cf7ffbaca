"""Merchant accounts: the business (tenant), its members and their table choices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.core.validation import country_name

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
    # The profile printed on invoices and receipts (the issuer block) and shown to
    # customers: `name` is the display name; the legal name is the invoice's issuer.
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address_country = models.CharField(_("country"), max_length=2, blank=True)  # ISO 3166-1
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    address_city = models.CharField(_("city"), max_length=100, blank=True)
    address_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    address_state = models.CharField(_("state or province"), max_length=100, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=50, blank=True)
    # Replies to every e-mail the business sends its customers go here.
    support_email = models.EmailField(_("support e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, default="USD")
    # When the logo (BusinessLogo) last changed; None: no logo. Kept here so pages know
    # without loading the image, and as the logo URL's version.
    logo_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
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

    @property
    def issuer_name(self) -> str:
        """Who issues the business's invoices: its legal name, else its display name."""
        return self.legal_name or self.name

    @property
    def address_lines(self) -> list[str]:
        """The postal address as printed, one line each, empty parts left out."""
        city_line = " ".join(
            p for p in (self.address_postal_code, self.address_city, self.address_state) if p
        )
        country = country_name(self.address_country) if self.address_country else ""
        lines = [self.address_line1, self.address_line2, city_line, country]
        return [line for line in lines if line]


class BusinessLogo(models.Model):
    """A business's one logo (portal header, invoices, receipts), apart from the
    business row so that loading a business never loads the image."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    image = models.BinaryField()  # PNG, JPEG or WebP, ≤ 200 kB
    content_type = models.CharField(max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Logo of {self.business}"


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
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    @property
    def can_edit(self) -> bool:
        """Owners and admins change things; viewers only look."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class InvitationQuerySet(BusinessScopedQuerySet):
    def pending(self):
        """Neither accepted nor revoked (an expired one is still pending: it can be resent)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An e-mailed invitation to join a business's team with a role.

    Only a SHA-256 of the link's random token is stored; the link works until
    `expires_at`, once. Resending makes a new token (the old link stops working)."""

    id = PublicIdField(prefix="inv")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))  # stored lower-case
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()  # the last time the link was e-mailed
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One open invitation per address and business: inviting again resends it.
            models.UniqueConstraint(
                fields=["business", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.business} ({self.role})"


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
