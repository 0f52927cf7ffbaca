"""A customer's saved payment methods: what the gateway keeps for later charges.

Only what a person needs to tell methods apart is stored (network, last four,
expiry, holder, issuing country; a UPI handle) beside the gateway's token. A full
card number or a CVC never reaches a row, a log or an Event.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.customers import Customer


class SavedPaymentMethodQuerySet(BusinessScopedQuerySet):
    def usable(self):
        """Not removed: the ones a customer sees and a charge may use."""
        return self.filter(removed_at__isnull=True)


class SavedPaymentMethod(models.Model):
    """One card or UPI handle a customer saved with the gateway."""

    class Kind(models.TextChoices):  # the contract's `payment_method`
        CARD = "card", _("Card")
        UPI = "upi", _("UPI")

    id = PublicIdField(prefix="pm")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="payment_methods", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payment_methods", db_index=False
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    # The gateway's reference to the method (never the card number).
    gateway_token = models.CharField(max_length=120)
    card_network = models.CharField(_("card network"), max_length=20, blank=True)  # lowercase
    card_last_four = models.CharField(_("last four"), max_length=4, blank=True)
    expiry_month = models.PositiveSmallIntegerField(_("expiry month"), null=True, blank=True)
    expiry_year = models.PositiveSmallIntegerField(_("expiry year"), null=True, blank=True)
    holder_name = models.CharField(_("card holder"), max_length=100, blank=True)
    issuing_country = models.CharField(_("issuing country"), max_length=2, blank=True)
    upi_handle = models.CharField(_("UPI ID"), max_length=100, blank=True)
    recurring_enabled = models.BooleanField(_("recurring enabled"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)  # removed rows stay for history
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SavedPaymentMethodQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        indexes = [
            models.Index(
                fields=["business", "customer", "created_at", "id"],
                name="paymethod_customer_created",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="paymethod_one_default",
            ),
            models.CheckConstraint(
                condition=Q(expiry_month__isnull=True)
                | Q(expiry_month__gte=1, expiry_month__lte=12),
                name="paymethod_expiry_month_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.pk

    @property
    def label(self) -> str:
        """ "Visa ···· 4242" or the UPI handle."""
        if self.kind == self.Kind.UPI:
            return f"UPI {self.upi_handle}"
        return f"{(self.card_network or 'card').title()} ···· {self.card_last_four}"

    @property
    def expiry_label(self) -> str:
        if not self.expiry_month:
            return ""
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"
