"""The worker's side: send an endpoint's messages in order, one try at a time.

Per endpoint, the oldest pending delivery goes first and a later one waits behind
it (in order). One worker at a time sends an endpoint's queue: it takes a lease on
the endpoint row with a conditional UPDATE (`lease_until` empty or past) and renews
it before each try; no row lock is held during the HTTP call, and a worker that dies
only delays the queue until its lease runs out (then the message is sent again:
at least once, with the same `webhook-id`). Each try is logged (`WebhookAttempt`);
a 2xx ends the delivery, anything else schedules the next try on
`WEBHOOK_RETRY_DELAYS` (Dodo's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the
first, immediate, try); after the last one the delivery is `failed` and the queue
moves on. An endpoint whose every try has failed for `WEBHOOK_DISABLE_AFTER` is
disabled and its owners are e-mailed.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.emails.services import email_queue
from customers.models import (
    EmailLog,
    Membership,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from customers.webhooks.network import PostResult, safe_post
from customers.webhooks.signing import signed_headers

LEASE = dt.timedelta(seconds=60)  # longer than one try (15 s timeout)
BATCH = 100  # tries per task run before it hands over to a fresh task
PREFETCH = 20  # pending deliveries read per query
WEBHOOK_DISABLE_AFTER = dt.timedelta(days=5)
# Headers an endpoint's custom headers may not replace.
RESERVED_HEADERS = {
    "host",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}
Pending = WebhookDelivery.Status.PENDING
EMPTY = -1.0  # _drain: the queue ran empty


def _clock(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lease(endpoint_id: str, now: dt.datetime) -> dt.datetime | None:
    until = now + LEASE
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = WebhookEndpoint.objects.filter(free, pk=endpoint_id).update(lease_until=until)
    return until if taken else None


def _renew(endpoint_id: str, lease: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    until = now + LEASE
    kept = WebhookEndpoint.objects.filter(pk=endpoint_id, lease_until=lease).update(
        lease_until=until
    )
    return until if kept else None


def _release(endpoint_id: str, lease: dt.datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, lease_until=lease).update(lease_until=None)


def _head(endpoint_id: str) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=Pending)
        .select_related("message")
        .order_by("id")
        .first()
    )


def retry_delay(attempts: int) -> int | None:
    """Seconds before the try after `attempts` failed ones; None: no more tries."""
    delays = settings.WEBHOOK_RETRY_DELAYS
    return delays[attempts - 1] if attempts <= len(delays) else None


def request_headers(endpoint: WebhookEndpoint, *, msg_id: str, body: str, now) -> dict:
    custom = {
        name: value
        for name, value in (endpoint.headers or {}).items()
        if name.lower() not in RESERVED_HEADERS
    }
    return {
        **custom,
        "Content-Type": "application/json",
        "User-Agent": "CustomerHub-Webhooks/1.0",
        **signed_headers(endpoint, msg_id=msg_id, body=body, now=now),
    }


def _record(endpoint, delivery, result: PostResult, now: dt.datetime) -> None:
    attempts = delivery.attempts + 1
    delay = None if result.succeeded else retry_delay(attempts)
    next_at = now + dt.timedelta(seconds=delay) if delay is not None else None
    if result.succeeded:
        status = WebhookDelivery.Status.SUCCEEDED
    else:
        status = Pending if next_at else WebhookDelivery.Status.FAILED
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Not money: if a crash loses this commit, the message is only sent again
            # (at least once), so the try need not wait for the WAL flush.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        WebhookAttempt.objects.create(
            business_id=endpoint.business_id,
            endpoint=endpoint,
            delivery=delivery,
            event_type=delivery.message.type,
            attempted_at=now,
            succeeded=result.succeeded,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            response_excerpt=result.excerpt,
            error=result.error,
            next_attempt_at=next_at,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            last_status_code=result.status_code,
            updated_at=now,
        )
        _track_failures(endpoint, result.succeeded, now)
    delivery.status, delivery.attempts, delivery.next_attempt_at = status, attempts, next_at


def _track_failures(endpoint: WebhookEndpoint, succeeded: bool, now: dt.datetime) -> None:
    """Keep the endpoint's failure streak (in the row and in `endpoint`)."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if succeeded:
        if endpoint.failing_since:
            endpoints.update(failing_since=None)
            endpoint.failing_since = None
        return
    if endpoint.failing_since is None:
        endpoints.update(failing_since=now)
        endpoint.failing_since = now
    elif now - endpoint.failing_since >= WEBHOOK_DISABLE_AFTER and (
        endpoints.filter(disabled=False).update(disabled=True, updated_at=now)
    ):
        endpoint.disabled = True
        _tell_owners(endpoint)


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    owners = Membership.objects.filter(
        business_id=endpoint.business_id, role=Membership.Role.OWNER
    ).select_related("user", "business")
    for membership in owners:
        if not membership.user.email:
            continue
        email_queue(
            business=membership.business,
            to=membership.user.email,
            subject=_("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url[:200]},
            body=_(
                "Every delivery to your webhook endpoint %(url)s has failed for 5 days, so "
                "we disabled it. Fix the endpoint, enable it again under Settings → "
                "Webhooks, and replay the failed messages from its delivery log."
            )
            % {"url": endpoint.url},
            category=EmailLog.Category.WEBHOOKS,
            email_type="webhook_endpoint_disabled",
        )


def _drain(endpoint_id: str, lease: list, now: dt.datetime | None) -> float | None:
    """Send due deliveries in order; seconds until the head is due, 0 for "more",
    EMPTY when the queue ran empty, None when the endpoint is disabled or gone or the
    lease was lost. `lease` holds the lease's current end.

    The queue is read a few deliveries at a time (new ones only join its end), and
    the lease is renewed, and the endpoint re-read, once half of it has passed: a
    try costs its POST plus one transaction (the attempt row and the delivery)."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    sent = 0
    while sent < BATCH:
        if endpoint is None or endpoint.disabled:
            return None
        heads = list(
            WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=Pending)
            .select_related("message")
            .order_by("id")[:PREFETCH]
        )
        if not heads:
            return EMPTY
        for head in heads:
            moment = _clock(now)
            if head.next_attempt_at and head.next_attempt_at > moment:
                return max((head.next_attempt_at - moment).total_seconds(), 0.001)
            if lease[0] - moment < LEASE / 2:
                lease[0] = _renew(endpoint_id, lease[0], moment)
                if lease[0] is None:
                    return None
                endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
                if endpoint is None or endpoint.disabled:
                    return None
            body = head.message.body
            headers = request_headers(endpoint, msg_id=head.message_id, body=body, now=moment)
            result = safe_post(endpoint.url, body=body.encode(), headers=headers)
            _record(endpoint, head, result, _clock(now))
            sent += 1
            if endpoint.disabled or head.status == Pending:
                break  # disabled by the 5-day rule, or the head waits for its retry
    return 0.0


def endpoint_send(*, endpoint_id: str, now: dt.datetime | None = None) -> float | None:
    """Send what is due for one endpoint. Returns seconds until its next delivery is
    due (0: more is due now), or None if nothing is pending or another worker holds
    the endpoint. Safe to run twice and on two workers: the lease decides."""
    while True:
        taken = _lease(endpoint_id, _clock(now))
        if taken is None:
            return None
        lease = [taken]
        try:
            wait = _drain(endpoint_id, lease, now)
        finally:
            _release(endpoint_id, lease[0])
        if wait != EMPTY:
            return wait
        # A delivery committed while we held the lease found it taken; look once more.
        head = _head(endpoint_id)
        if head is None or (head.next_attempt_at and head.next_attempt_at > _clock(now)):
            return None


def endpoints_due(*, now: dt.datetime, limit: int = 1000) -> list[str]:
    """Endpoints with a delivery due by `now` and no worker on them (the beat sweep)."""
    due = WebhookDelivery.objects.filter(status=Pending, next_attempt_at__lte=now)
    free = Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now)
    return list(
        due.filter(free, endpoint__disabled=False)
        .values_list("endpoint_id", flat=True)
        .distinct()[:limit]
    )
