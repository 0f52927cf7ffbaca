"""License keys a customer gets with a product, and the devices that activated them."""

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.billing import Payment
from customers.models.catalog import Product
from customers.models.customers import Customer
from customers.models.subscriptions import Subscription


class LicenseKeyQuerySet(BusinessScopedQuerySet):
    def with_effective_status(self, status: str):
        """Keys whose effective status is `status`: an active key past its expiry
        counts as expired (as `LicenseKey.effective_status` reads it)."""
        past_expiry = Q(status=LicenseKey.Status.ACTIVE, expires_at__lte=timezone.now())
        if status == LicenseKey.Status.EXPIRED:
            return self.filter(Q(status=status) | past_expiry)
        if status == LicenseKey.Status.ACTIVE:
            return self.filter(status=status).exclude(past_expiry)
        return self.filter(status=status)

    def with_instances_count(self):
        """Annotate `instances_count`: the key's activations, one subquery per key."""
        count = (
            LicenseKeyInstance.objects.filter(license_key=OuterRef("pk"))
            .order_by()
            .values("license_key")
            .annotate(n=Count("*"))
            .values("n")
        )
        return self.annotate(instances_count=Coalesce(Subquery(count), 0))


class LicenseKey(models.Model):
    """One key that unlocks a product for a customer, with a cap on activations."""

    class Status(models.TextChoices):  # the contract's LicenseKeyStatus
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        DISABLED = "disabled", _("Disabled")

    class Source(models.TextChoices):
        AUTO = "auto", _("Issued with a purchase")
        IMPORT = "import", _("Imported")
        MANUAL = "manual", _("Created by hand")

    class DisabledReason(models.TextChoices):
        """Why a key is disabled: a hold lifts and brings its keys back, a revoke does not."""

        MANUAL = "manual", _("Disabled by a team member")
        REFUND = "refund", _("Purchase refunded")
        SUBSCRIPTION_ON_HOLD = "subscription_on_hold", _("Subscription on hold")
        SUBSCRIPTION_CANCELLED = "subscription_cancelled", _("Subscription cancelled")

    id = PublicIdField(prefix="lic")
    # Indexed by licensekey_customer_created, which leads with the business.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="license_keys", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="license_keys")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="license_keys")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="license_keys", null=True, blank=True
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="license_keys",
        null=True,
        blank=True,
    )
    key = models.CharField(_("key"), max_length=255)  # a UUID when we issue it
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    disabled_reason = models.CharField(
        _("disabled because"), max_length=25, choices=DisabledReason.choices, blank=True
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.AUTO
    )
    activations_limit = models.PositiveIntegerField(
        _("activations limit"), null=True, blank=True
    )  # None = unlimited; never below the number of instances
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)  # None = never
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LicenseKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("license key")
        verbose_name_plural = _("license keys")
        indexes = [
            models.Index(
                fields=["business", "customer", "created_at", "id"],
                name="licensekey_customer_created",
            ),
            models.Index(
                fields=["business", "created_at", "id"], name="licensekey_business_created"
            ),
            # The public /licenses/* endpoints find a key by its string alone.
            models.Index(fields=["key"], name="licensekey_key"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="licensekey_key_unique"),
            models.CheckConstraint(
                condition=Q(status="disabled") | Q(disabled_reason=""),
                name="licensekey_reason_only_when_disabled",
            ),
        ]

    def __str__(self) -> str:
        return self.masked_key

    @property
    def masked_key(self) -> str:
        """All but the last four characters hidden: `••••-••••-3f2a`."""
        return "••••-••••-" + self.key[-4:] if len(self.key) > 4 else "••••"

    @property
    def instances_label(self) -> str:
        """ "2 instances": its activations, as the details tab counts them (the
        `instances_count` of LicenseKeyQuerySet.with_instances_count)."""
        count = self.instances_count
        return ngettext("%(counter)s instance", "%(counter)s instances", count) % {"counter": count}

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        """The stored status, except that an active key past its expiry reads expired."""
        if self.status == self.Status.ACTIVE and self.is_expired:
            return self.Status.EXPIRED
        return self.status


class LicenseKeyInstance(models.Model):
    """One activation of a license key: a device or installation, by name."""

    id = PublicIdField(prefix="lki")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="license_key_instances"
    )
    license_key = models.ForeignKey(LicenseKey, on_delete=models.CASCADE, related_name="instances")
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("license key instance")
        verbose_name_plural = _("license key instances")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
