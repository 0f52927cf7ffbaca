"""Export jobs: a large CSV or XLSX export written by the worker, then downloaded.

Above `EXPORT_JOB_THRESHOLD` matching customers, the Export action records one row
here instead of streaming the file; the worker claims it (a conditional UPDATE, so
two workers never write the same job), writes the file into the export storage,
counts rows as it goes, and marks it succeeded or failed. The file is kept for
`EXPORT_RETENTION_DAYS`, then removed by beat and the job marked expired.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class ExportJob(models.Model):
    """One export of a business's customers, as the export URL's query describes it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = PublicIdField(prefix="exp")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="export_jobs", db_index=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The export URL's query string (columns, filters, sort), as /customers/export.csv
    # takes it; the worker parses it again.
    query = models.TextField(_("query"), blank=True)
    language = models.CharField(max_length=10, default="en")  # the XLSX headers' language
    notify_to = models.CharField(max_length=320, blank=True)  # e-mail the link here when ready
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_written = models.PositiveBigIntegerField(_("rows written"), default=0)
    estimated_rows = models.PositiveBigIntegerField(_("estimated rows"), default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)  # the run that owns the job now
    file = models.CharField(max_length=300, blank=True)  # its name in the export storage
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also a heartbeat while running
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [
            models.Index(fields=["business", "-created_at"], name="export_job_recent"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="succeeded"),
                name="export_job_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.format}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.estimated_rows:
            return 0
        return min(99, self.rows_written * 100 // self.estimated_rows)

    @property
    def download_name(self) -> str:
        stamp = self.created_at.strftime("%Y%m%d-%H%M%S")
        return f"customers-{stamp}.{self.format}"
