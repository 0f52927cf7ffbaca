"""The customer portal: how a merchant's customer gets in, and how long they stay.

Two ways in (DESIGN.md "Portal access"):
- a session link (`PortalLink` of kind INVITE) made by the dashboard's Invite action
  or the API: valid 24 hours, revocable, usable until it expires;
- a magic link (kind MAGIC) e-mailed from the business's static login page:
  valid 30 minutes and single-use.

Only a SHA-256 of each token is stored. Opening a link starts a `PortalLogin`,
whose own random token lives in a separate cookie scoped to /portal/ (not the
merchant's session): it ends after 1 hour idle or 12 hours in all.
"""

import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models import Business, BusinessScopedQuerySet, Customer, Product, Subscription


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PortalSettings(models.Model):
    """One business's choices for its customers' portal."""

    class Cancellation(models.TextChoices):
        OFF = "off", _("Customers cannot cancel")
        PERIOD_END = "period_end", _("At the end of the billing period only")
        BOTH = "both", _("Immediately or at the end of the period")

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="portal_settings"
    )
    allow_cancellation = models.CharField(
        _("self-service cancellation"),
        max_length=12,
        choices=Cancellation.choices,
        default=Cancellation.BOTH,
    )
    allow_profile_updates = models.BooleanField(
        _("customers can update their profile"), default=True
    )
    allow_pause = models.BooleanField(_("customers can pause and resume"), default=False)
    allow_plan_change = models.BooleanField(_("customers can switch plans"), default=False)
    # The recurring products a customer may switch to (within the same currency).
    plan_change_products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("plans offered")
    )
    # Offered once per subscription before a portal cancellation; 0 % means no offer.
    retention_percent = models.PositiveSmallIntegerField(
        _("retention discount (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    retention_cycles = models.PositiveSmallIntegerField(
        _("for this many renewals"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    default_return_url = models.URLField(_("default return URL"), blank=True)
    brand_color = models.CharField(_("brand colour"), max_length=7, default="#4f46e5")  # #rrggbb
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return f"Portal settings of {self.business}"

    def allows_cancellation(self, when: str) -> bool:
        """Whether customers may cancel `when` ("period_end" or "now") under this policy."""
        allowed = {
            self.Cancellation.OFF: (),
            self.Cancellation.PERIOD_END: ("period_end",),
            self.Cancellation.BOTH: ("period_end", "now"),
        }
        return when in allowed.get(self.allow_cancellation, ())

    @classmethod
    def for_business(cls, business: Business) -> "PortalSettings":
        """The saved settings, or unsaved defaults (nothing is written on read). No
        query when the business was read with them (`select_related(
        "business__portal_settings")`, as the portal's sign-in check does)."""
        try:
            return business.portal_settings
        except cls.DoesNotExist:
            return cls(business=business)


class RetentionOffer(models.Model):
    """The retention offer shown to a customer about to cancel one subscription: at most
    one per subscription (shown once, whatever the answer)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    subscription = models.OneToOneField(
        Subscription, on_delete=models.CASCADE, related_name="retention_offer"
    )
    percent = models.PositiveSmallIntegerField()  # as offered, 1–100
    cycles = models.PositiveSmallIntegerField()  # renewals it covers
    shown_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Retention offer for {self.subscription_id}"


class PortalLinkQuerySet(BusinessScopedQuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(expires_at__gt=now, revoked_at__isnull=True, used_at__isnull=True)


class PortalLink(models.Model):
    """A link that opens one customer's portal: an invite (24 h) or a magic link (30 min, once)."""

    class Kind(models.TextChoices):
        INVITE = "invite", _("Invite link")
        MAGIC = "magic", _("E-mailed sign-in link")

    id = PublicIdField(prefix="pls")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 of the secret token
    return_url = models.URLField(blank=True, max_length=1000)
    emailed_to = models.EmailField(blank=True)  # where the link was sent, if it was
    created_by = models.CharField(max_length=255, blank=True)  # actor label, as it was
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)  # magic links work once
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PortalLinkQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["business", "customer", "-created_at"], name="portallink_customer")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.customer_id}"

    STATUS_LABELS = {
        "active": _("Active"),
        "expired": _("Expired"),
        "used": _("Used"),
        "revoked": _("Revoked"),
    }

    def get_status_display(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.used_at and self.kind == self.Kind.MAGIC:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class PortalLogin(models.Model):
    """A customer signed in to the portal from one browser."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_logins")
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, related_name="logins"
    )
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 of the cookie's token
    return_url = models.URLField(blank=True, max_length=1000)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-last_seen_at"], name="portallogin_customer")]

    def __str__(self) -> str:
        return f"Portal login of {self.customer_id}"
