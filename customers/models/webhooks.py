"""Webhooks: where a business wants its events sent, what was sent, and how it went.

An endpoint (`WebhookEndpoint`) is a URL of the merchant's with its signing secret.
When a service records an Event that maps to a webhook type, the outbox receiver
(`customers.webhooks.outbox`) writes, in the same transaction, one `WebhookMessage`
(the exact JSON body, `{business_id, type, timestamp, data}`, frozen then) and one
`WebhookDelivery` per matching endpoint. The worker sends the oldest pending delivery
of an endpoint first, and logs every try as a `WebhookAttempt`. The secret lives only
in its column: never in a log, an attempt row or the log UI.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.models.accounts import Business, BusinessScopedQuerySet


class WebhookEndpoint(models.Model):
    """One URL of a business's that receives signed webhook messages."""

    id = PublicIdField(prefix="ep")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)  # http(s); checked by the services
    description = models.CharField(max_length=500, blank=True)
    disabled = models.BooleanField(default=False)
    # Webhook types to send (e.g. ["payment.succeeded"]); empty means every type.
    filter_types = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    rate_limit = models.PositiveIntegerField(null=True, blank=True)  # messages/s, stored
    headers = models.JSONField(default=dict, blank=True)  # extra headers on every delivery
    # `whsec_<base64>`; after a rotation the previous one also signs until it expires.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Set at the first failed attempt since the last success; after 5 days: disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    # A worker sending this endpoint's queue holds the lease until then (in order).
    lease_until = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [
            models.Index(fields=["business", "disabled"], name="webhook_endpoint_enabled"),
            models.Index(fields=["business", "created_at", "id"], name="webhook_endpoint_list"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "idempotency_key"], name="webhook_endpoint_idempotency"
            )
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, webhook_type: str) -> bool:
        return not self.filter_types or webhook_type in self.filter_types


class WebhookMessage(models.Model):
    """One event as a webhook body, frozen in the transaction of the change; its ID is
    the `webhook-id` of every delivery and retry of it."""

    id = PublicIdField(prefix="msg")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="webhook_messages"
    )
    event_id = models.CharField(max_length=40, blank=True)  # the audit Event, if any
    type = models.CharField(max_length=60)  # e.g. "refund.succeeded"
    body = models.TextField()  # the exact JSON sent: {business_id, type, timestamp, data}
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        indexes = [models.Index(fields=["business", "created_at"], name="webhook_message_created")]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"


class WebhookDelivery(models.Model):
    """One message on its way to one endpoint; sent in `id` order per endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)  # the order of the endpoint's queue
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)  # since created or replayed
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # null: not pending
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "id"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_queue",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try to deliver a message: what the receiver answered, or why it failed."""

    id = models.BigAutoField(primary_key=True)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    event_type = models.CharField(max_length=60)
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null: no answer
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=2048, blank=True)  # capped
    error = models.CharField(max_length=500, blank=True)  # refused, timeout, connection …
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # the retry it scheduled

    objects = BusinessScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        indexes = [
            models.Index(fields=["endpoint", "-attempted_at"], name="webhook_attempt_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.status_code or self.error}"
