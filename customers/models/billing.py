"""What a customer paid: payments, refunds, and the invoice numbers they get.

Statuses and enums use the API contract's values (`api-contract.md` §8–§13), so the
API exposes these rows unchanged. Money is an integer count of the currency's
minor units (cents, paise) next to its ISO 4217 code; never a float.
"""

from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.catalog import Product
from customers.models.customers import Customer


class PaymentQuerySet(BusinessScopedQuerySet):
    def with_refund_totals(self):
        """Annotate `refunded_amount` (succeeded refunds) and `refund_reserved_amount`
        (succeeded + pending: what no new refund may eat into), one subquery each."""
        succeeded = (
            Refund.objects.filter(payment=models.OuterRef("pk"), status=Refund.Status.SUCCEEDED)
            .order_by()
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        reserved = (
            Refund.objects.filter(payment=models.OuterRef("pk"), status__in=Refund.RESERVING)
            .order_by()
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            refunded_amount=Coalesce(models.Subquery(succeeded), 0),
            refund_reserved_amount=Coalesce(models.Subquery(reserved), 0),
        )

    def with_display_status(self, value: str):
        """Filter by what the dashboard shows (Successful, Refunded, …); needs
        `with_refund_totals()` first."""
        succeeded = Q(status=Payment.Status.SUCCEEDED)
        match value:
            case Payment.DisplayStatus.SUCCESSFUL:
                return self.filter(succeeded, refunded_amount=0)
            case Payment.DisplayStatus.REFUNDED:
                return self.filter(succeeded, refunded_amount__gte=models.F("total_amount"))
            case Payment.DisplayStatus.PARTIALLY_REFUNDED:
                return self.filter(
                    succeeded,
                    refunded_amount__gt=0,
                    refunded_amount__lt=models.F("total_amount"),
                )
            case Payment.DisplayStatus.FAILED:
                return self.filter(status__in=Payment.FAILED_STATUSES)
            case Payment.DisplayStatus.PENDING:
                return self.exclude(status__in=[Payment.Status.SUCCEEDED, *Payment.FAILED_STATUSES])
        return self


class Payment(models.Model):
    """One charge to a customer: a one-time purchase or a subscription's period."""

    class Status(models.TextChoices):  # the contract's IntentStatus
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        PROCESSING = "processing", _("Processing")
        REQUIRES_CUSTOMER_ACTION = "requires_customer_action", _("Requires customer action")
        REQUIRES_MERCHANT_ACTION = "requires_merchant_action", _("Requires merchant action")
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", _("Requires payment method")
        REQUIRES_CONFIRMATION = "requires_confirmation", _("Requires confirmation")
        REQUIRES_CAPTURE = "requires_capture", _("Requires capture")
        PARTIALLY_CAPTURED = "partially_captured", _("Partially captured")
        PARTIALLY_CAPTURED_AND_CAPTURABLE = (
            "partially_captured_and_capturable",
            _("Partially captured and capturable"),
        )

    class DisplayStatus(models.TextChoices):
        """What the dashboard's status badge says (the contract's status plus refunds)."""

        SUCCESSFUL = "successful", _("Successful")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")
        PENDING = "pending", _("Pending")
        FAILED = "failed", _("Failed")

    class PricingType(models.TextChoices):
        ONE_TIME = "one_time", _("One-time")
        SUBSCRIPTION = "subscription", _("Subscription")

    class ChargeType(models.TextChoices):  # only for subscription payments
        NEW = "new", _("New")
        RENEWAL = "renewal", _("Renewal")
        PLAN_CHANGE = "plan_change", _("Plan change")
        ON_DEMAND = "on_demand", _("On demand")

    FAILED_STATUSES = (Status.FAILED, Status.CANCELLED)

    id = PublicIdField(prefix="pay")
    # Indexed by payment_customer_created, which leads with the business.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(_("status"), max_length=40, choices=Status.choices)
    total_amount = models.BigIntegerField(_("total amount"))  # minor units, tax included
    tax = models.BigIntegerField(_("tax"), default=0)  # minor units, part of total_amount
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    pricing_type = models.CharField(
        _("pricing type"), max_length=12, choices=PricingType.choices, default="one_time"
    )
    subscription = models.ForeignKey(
        "Subscription", on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    charge_type = models.CharField(
        _("charge type"), max_length=12, choices=ChargeType.choices, blank=True
    )
    # Start of the period a subscription charge pays for; one renewal per period.
    service_period_start = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=30, blank=True)  # card, upi…
    payment_method_type = models.CharField(_("payment method type"), max_length=30, blank=True)
    card_network = models.CharField(_("card network"), max_length=20, blank=True)  # lowercase
    card_last_four = models.CharField(_("card last four"), max_length=4, blank=True)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.CharField(_("error message"), max_length=255, blank=True)
    # Sequential per business (InvoiceCounter); given when the invoice is first issued.
    invoice_number = models.PositiveBigIntegerField(_("invoice number"), null=True, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="payment_business_created"),
            models.Index(
                fields=["business", "customer", "created_at", "id"],
                name="payment_customer_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_amount__gte=0)
                & Q(tax__gte=0)
                & Q(tax__lte=models.F("total_amount")),
                name="payment_amounts_valid",
            ),
            models.UniqueConstraint(
                fields=["business", "invoice_number"], name="payment_invoice_number_unique"
            ),
            models.UniqueConstraint(
                fields=["subscription", "service_period_start"],
                condition=Q(charge_type="renewal", status="succeeded"),
                name="payment_one_renewal_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.pk

    @property
    def refunded(self) -> int:
        """Succeeded refunds, from `with_refund_totals()` when annotated."""
        if hasattr(self, "refunded_amount"):
            return self.refunded_amount
        return self.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(
            total=Coalesce(Sum("amount"), 0)
        )["total"]

    @property
    def display_status(self) -> str:
        if self.status == self.Status.SUCCEEDED:
            refunded = self.refunded
            if refunded and refunded >= self.total_amount:
                return self.DisplayStatus.REFUNDED
            if refunded:
                return self.DisplayStatus.PARTIALLY_REFUNDED
            return self.DisplayStatus.SUCCESSFUL
        if self.status in self.FAILED_STATUSES:
            return self.DisplayStatus.FAILED
        return self.DisplayStatus.PENDING

    def get_display_status_display(self) -> str:
        return self.DisplayStatus(self.display_status).label

    @property
    def refund_status(self) -> str | None:
        """The contract's `refund_status`: "full", "partial" or None."""
        refunded = self.refunded
        if not refunded:
            return None
        return "full" if refunded >= self.total_amount else "partial"

    @property
    def invoice_label(self) -> str:
        return f"INV-{self.invoice_number:06d}" if self.invoice_number else ""

    @property
    def method_label(self) -> str:
        """ "Visa ···· 4242", "UPI", "Wallet"…"""
        if self.card_last_four:
            network = (self.card_network or self.payment_method or "card").title()
            return f"{network} ···· {self.card_last_four}"
        if self.payment_method.lower() == "upi":
            return "UPI"
        return (self.payment_method or "—").replace("_", " ").title()


class Refund(models.Model):
    """Money given back on one payment, in full or in part."""

    class Status(models.TextChoices):  # the contract's RefundStatus
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        PENDING = "pending", _("Pending")
        REVIEW = "review", _("In review")

    class Destination(models.TextChoices):
        ORIGINAL = "original_payment_method", _("Original payment method")
        WALLET = "wallet", _("Customer wallet")

    # Refunds that count against what is left to refund.
    RESERVING = (Status.SUCCEEDED, Status.PENDING, Status.REVIEW)

    id = PublicIdField(prefix="ref")
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(_("amount"))  # minor units of `currency`, > 0
    currency = models.CharField(_("currency"), max_length=3)  # the payment's
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=3000)
    is_partial = models.BooleanField(_("partial"), default=False)
    destination = models.CharField(
        _("destination"), max_length=30, choices=Destination.choices, default=Destination.ORIGINAL
    )
    # The refund form's one-time token: a double submit finds the first refund.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="refund_business_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"], name="refund_idempotency_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.pk


class InvoiceCounter(models.Model):
    """The last invoice number a business issued; locked FOR UPDATE to issue the next."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="invoice_counter"
    )
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self) -> str:
        return f"{self.business_id}: {self.last_number}"


class InvoiceDocument(models.Model):
    """The PDF of one numbered invoice as issued, in one language: served on every later
    download instead of being rebuilt (an issued invoice does not change). `fingerprint`
    covers what may still change the document — its refunds — so a refund re-issues it."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="documents")
    language = models.CharField(_("language"), max_length=8)  # "en", "ko"
    fingerprint = models.CharField(_("fingerprint"), max_length=64)  # sha256 of the refund state
    pdf = models.BinaryField(_("PDF"))
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "payment", "language"], name="invoice_document_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} ({self.language})"
