"""What a business sells: its products, and the billing intervals they use."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class TimeInterval(models.TextChoices):
    DAY = "Day", _("Day")
    WEEK = "Week", _("Week")
    MONTH = "Month", _("Month")
    YEAR = "Year", _("Year")


def add_interval(moment: dt.datetime, interval: str, count: int = 1) -> dt.datetime:
    """`moment` moved forward by `count` intervals; months keep the day where they can
    (Jan 31 + 1 month = Feb 28/29)."""
    if interval == TimeInterval.DAY:
        return moment + dt.timedelta(days=count)
    if interval == TimeInterval.WEEK:
        return moment + dt.timedelta(weeks=count)
    months = count * (12 if interval == TimeInterval.YEAR else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


class Product(models.Model):
    """Something a business sells, once or on a schedule."""

    class TaxCategory(models.TextChoices):
        DIGITAL_PRODUCTS = "digital_products", _("Digital products")
        SAAS = "saas", _("SaaS")
        E_BOOK = "e_book", _("E-book")
        EDTECH = "edtech", _("EdTech")
        LIVE_TUTORING = "live_tutoring", _("Live tutoring")

    id = PublicIdField(prefix="pdt")
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    price = models.BigIntegerField(_("price"))  # minor units of `currency`, before tax
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217
    tax_inclusive = models.BooleanField(_("tax inclusive"), default=False)
    tax_category = models.CharField(
        _("tax category"), max_length=20, choices=TaxCategory.choices, default=TaxCategory.SAAS
    )
    is_recurring = models.BooleanField(_("recurring"), default=False)
    # Billing cycle of a recurring product: every `count` `interval`s.
    payment_frequency_count = models.PositiveIntegerField(_("billed every"), default=1)
    payment_frequency_interval = models.CharField(
        _("billing interval"), max_length=5, choices=TimeInterval.choices, blank=True
    )
    license_key_enabled = models.BooleanField(_("issues license keys"), default=False)
    license_key_activations_limit = models.PositiveIntegerField(
        _("activations limit"), null=True, blank=True
    )  # None = unlimited
    license_key_duration_count = models.PositiveIntegerField(
        _("license duration"), null=True, blank=True
    )  # None = keys never expire
    license_key_duration_interval = models.CharField(
        _("license duration unit"), max_length=5, choices=TimeInterval.choices, blank=True
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="product_business_created")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(is_recurring=False) | ~Q(payment_frequency_interval=""),
                name="product_recurring_has_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.name
