"""Notes and tags on customers: what the merchant's team writes about a customer and
the coloured labels it sorts them by.

A tag belongs to a business; `CustomerTag` is the many-to-many row between a
customer and a tag, carrying the business like every merchant-owned row, so the tag
filter reads one index, `(business, tag, customer)`, and a customer's tags come off
`(business, customer, tag)`, the unique one. Merging customers moves notes and
customer tags by updating `customer`.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.customers import Customer

NOTE_MAX_LENGTH = 5000
TAG_NAME_MAX_LENGTH = 40


class TagColor(models.TextChoices):
    """A fixed palette: each colour's chip (static/css) keeps text at 4.5:1 or more."""

    GRAY = "gray", _("Gray")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    TEAL = "teal", _("Teal")
    BLUE = "blue", _("Blue")
    PURPLE = "purple", _("Purple")
    PINK = "pink", _("Pink")


class Note(models.Model):
    """One note a team member wrote about a customer."""

    # Personal data about the customer: deleting the customer deletes its notes
    # (customers.lifecycle.services.customer_delete).
    ERASE_WITH_CUSTOMER = True

    id = PublicIdField(prefix="note")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The author's login as it was when written (the user may leave the team).
    author_label = models.CharField(max_length=255, blank=True)
    body = models.TextField(_("note"))  # at most NOTE_MAX_LENGTH characters, not blank
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [
            models.Index(
                fields=["business", "customer", "-created_at", "-id"], name="note_customer_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} on {self.customer_id}"

    @property
    def was_edited(self) -> bool:
        return (self.updated_at - self.created_at).total_seconds() > 1


class Tag(models.Model):
    """One of a business's tags: a name (unique in the business, any case) and a colour."""

    id = PublicIdField(prefix="tag")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=TAG_NAME_MAX_LENGTH)
    color = models.CharField(
        _("colour"), max_length=10, choices=TagColor.choices, default=TagColor.GRAY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(
                models.F("business"), Lower("name"), name="tag_name_unique_per_business"
            ),
            models.CheckConstraint(
                condition=models.Q(color__in=TagColor.values), name="tag_color_in_palette"
            ),
        ]
        indexes = [models.Index(fields=["business", "name", "id"], name="tag_business_name")]

    def __str__(self) -> str:
        return self.name


class CustomerTag(models.Model):
    """One tag on one customer."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="customer_tags", db_index=False
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer", "tag"], name="customertag_unique"
            ),
        ]
        indexes = [
            # The tag filter: the customers with a tag, by key.
            models.Index(fields=["business", "tag", "customer"], name="customertag_by_tag"),
            # Deleting a customer (cascade) finds its rows without the business.
            models.Index(fields=["customer"], name="customertag_customer"),
            models.Index(fields=["tag"], name="customertag_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.tag_id}"
