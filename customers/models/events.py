"""The audit trail: one Event per change to money or access."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


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
    # The customer the change concerns (blank for business-wide events), so a
    # customer's details page can show everything done to or by them.
    customer_id = models.CharField(max_length=40, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["business", "object_id", "created_at"], name="event_object"),
            models.Index(fields=["business", "created_at"], name="event_business_created"),
            models.Index(
                fields=["business", "customer_id", "created_at"],
                condition=~models.Q(customer_id=""),
                name="event_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"
