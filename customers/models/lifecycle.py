"""The end of a customer's life and the start of many: tombstones and CSV imports.

A deleted or merged customer keeps its row (payments, refunds, invoices and ledger
entries point at it, and must keep adding up), but its personal data is erased:
name, phone and metadata are emptied and its e-mail becomes `<id>@deleted.invalid`
(`tombstone_email`), so the original e-mail is free again under the per-business
unique index, and search, exports and kept figures go on working on a row that
simply says "Deleted customer". Who did it, when, and — for a merge — which
customer took its place, is the `CustomerTombstone` beside it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet
from customers.models.customers import Customer

# RFC 2606 reserves .invalid: no real address ends in it, and no mail is sent there.
TOMBSTONE_DOMAIN = "deleted.invalid"


def tombstone_email(customer_id: str) -> str:
    """The e-mail a tombstone carries: its own ID, so it is unique and never anyone's."""
    return f"{customer_id}@{TOMBSTONE_DOMAIN}"


def is_tombstone(customer: Customer) -> bool:
    """Whether this row is a deleted or merged customer (no query: read off its e-mail)."""
    return customer.email == tombstone_email(customer.pk)


class CustomerTombstone(models.Model):
    """Why one customer row holds no personal data any more: deleted, or merged into another."""

    class Reason(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        MERGED = "merged", _("Merged")

    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, primary_key=True, related_name="tombstone"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    # The customer who took this one's place (a merge); kept pointing at the last
    # survivor when that one is merged again, so an old ID resolves in one step.
    merged_into = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    actor_label = models.CharField(max_length=255, blank=True)  # e-mail or key name, as it was
    created_at = models.DateTimeField(_("deleted at"), auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer tombstone")
        verbose_name_plural = _("customer tombstones")

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.reason})"


class CustomerImport(models.Model):
    """One CSV file of customers: uploaded, mapped, checked (dry run), then imported."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.CHECKING, Status.QUEUED, Status.RUNNING)

    id = PublicIdField(prefix="imp")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="customer_imports", db_index=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)  # as uploaded, for people
    file = models.CharField(max_length=300)  # its name in the export storage
    file_size = models.PositiveBigIntegerField(default=0)  # bytes
    headers = models.JSONField(default=list)  # the file's first row
    mapping = models.JSONField(default=dict)  # field -> column index (customers.imports.reading)
    language = models.CharField(max_length=10, default="en")  # of the problems' messages
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    rows_total = models.PositiveIntegerField(default=0)  # data rows read so far
    rows_checked = models.PositiveIntegerField(default=0)  # data rows the dry run read
    rows_valid = models.PositiveIntegerField(default=0)  # rows that pass every check
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_existing = models.PositiveIntegerField(default=0)  # e-mail already a customer: skipped
    rows_created = models.PositiveIntegerField(default=0)
    # The first rows with problems: [{"row": n, "field": f, "message": m}, ...].
    problems = models.JSONField(default=list)
    claim = models.CharField(max_length=32, blank=True)  # the run that owns the job now
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also a heartbeat while running
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        indexes = [models.Index(fields=["business", "-created_at"], name="import_recent")]

    def __str__(self) -> str:
        return f"{self.pk} ({self.filename}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        """How far the import is, against the rows its dry run read."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if self.status != self.Status.RUNNING or not self.rows_checked:
            return 0
        return min(99, self.rows_total * 100 // self.rows_checked)
