"""A customer's timeline: every Event about them and every e-mail sent to them,
newest first, a keyset page at a time, filterable by kind. Two queries per page
(events, e-mails), each reading at most a page plus one off the
(business, customer_id, created_at) indexes, merged here."""

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.core.money import format_money
from customers.core.pagination import KeysetPage, keyset_parse
from customers.core.prepared import prepared
from customers.models import Customer, EmailLog, Event

PER_PAGE = 20

# kind → the event type prefixes it covers ("emails" are the e-mail log's rows).
KINDS = {
    "payments": ("payment.",),
    "refunds": ("refund.",),
    "subscriptions": ("subscription.",),
    "wallet": ("wallet.", "credit"),
    "portal": ("portal.", "portal_session."),
    "emails": (),
    "notes": ("note.", "customer_note."),
    "license_keys": ("license_key.", "license_key_instance."),
    "profile": ("customer.",),
}
KIND_LABELS = {
    "payments": pgettext_lazy("timeline kind", "Payments"),
    "refunds": _("Refunds"),
    "subscriptions": _("Subscriptions"),
    "wallet": _("Wallet"),
    "portal": _("Portal"),
    "emails": _("E-mails"),
    "notes": _("Notes"),
    "license_keys": _("License keys"),
    "profile": _("Profile"),
}


# People read the audit trail: say what happened, keep the machine name beside it.
EVENT_LABELS = {
    "customer.created": _("Customer created"),
    "customer.updated": _("Details changed"),
    "customer.email_change_requested": _("E-mail change requested"),
    "refund.succeeded": _("Refund issued"),
    "refund.pending": _("Refund requested"),
    "refund.failed": _("Refund failed"),
    "subscription.cancelled": _("Subscription cancelled"),
    "subscription.cancellation_scheduled": _("Cancellation scheduled"),
    "subscription.cancellation_revoked": _("Cancellation withdrawn"),
    "subscription.renewed": _("Subscription renewed"),
    "subscription.on_hold": _("Subscription on hold"),
    "subscription.paused": _("Subscription paused"),
    "subscription.resumed": _("Subscription resumed"),
    "subscription.plan_changed": _("Plan changed"),
    "subscription.updated": _("Subscription updated"),
    "subscription.retention_offer_accepted": _("Retention offer accepted"),
    "license_key.disabled": _("License key disabled"),
    "license_key.enabled": _("License key enabled"),
    "license_key.updated": _("License key changed"),
    "license_key_instance.activated": _("Device activated"),
    "license_key_instance.deactivated": _("Device deactivated"),
    "license_key_instance.updated": _("Device renamed"),
    "wallet.credited": _("Wallet credited"),
    "wallet.debited": _("Wallet debited"),
    "credit.added": _("Credits added"),
    "credit.deducted": _("Credits used"),
    "credit.expired": _("Credits expired"),
    "credit.rolled_over": _("Credits rolled over"),
    "credit.rollover_forfeited": _("Rollover forfeited"),
    "credit.overage_charged": _("Overage charged"),
    "credit.overage_reset": _("Overage reset"),
    "credit.manual_adjustment": _("Credits adjusted by hand"),
    "credit.balance_low": _("Low credit balance"),
    "portal_session.created": _("Portal link created"),
    "portal_session.revoked": _("Portal link revoked"),
    "portal.login": _("Signed in to the portal"),
    "portal.login_link_sent": _("Portal sign-in link e-mailed"),
    "payment.succeeded": _("Payment received"),
    "payment.failed": _("Payment failed"),
    "payment.processing": _("Payment processing"),
    "payment.cancelled": _("Payment cancelled"),
    "subscription.active": _("Subscription started"),
    "subscription.expired": _("Subscription expired"),
    "subscription.failed": _("Subscription failed"),
    "license_key.created": _("License key issued"),
    "note.created": _("Note added"),
    "note.updated": _("Note edited"),
    "note.deleted": _("Note deleted"),
    "customer.tag_added": _("Tag added"),
    "customer.tag_removed": _("Tag removed"),
}

# Unknown types (a newer feature's, another branch's) read by their first part.
EVENT_AREA_LABELS = {
    "customer": _("Customer changed"),
    "payment": _("Payment activity"),
    "refund": _("Refund activity"),
    "subscription": _("Subscription activity"),
    "wallet": _("Wallet activity"),
    "portal": _("Portal activity"),
    "portal_session": _("Portal activity"),
    "license_key": _("License key activity"),
    "license_key_instance": _("License key activity"),
    "note": _("Note activity"),
    "tag": _("Tags changed"),
}


def event_label(event_type: str) -> str:
    """What happened, in the reader's language: the type's own label, else its area's
    ("Payment activity"), else "Other activity"."""
    label = EVENT_LABELS.get(event_type)
    if label is None:
        area = str(event_type).split(".", 1)[0]
        label = EVENT_AREA_LABELS.get(area, _("Other activity"))
    return label


@dataclass
class Entry:
    """One line of the timeline: an Event or an e-mail."""

    id: str
    created_at: object  # datetime
    kind: str  # "event" or "email"
    type: str  # the event's type, or the e-mail's type
    actor: str
    amount: str = ""  # "$12.50" when the event moved money
    subject: str = ""  # an e-mail's subject
    status: str = ""  # an e-mail's status label

    @property
    def label(self) -> str:
        """What happened, in the reader's language (an event's)."""
        return event_label(self.type)


_CURRENCY = re.compile(r"[A-Z]{3}")


def _amount(payload) -> str:
    """The amount an event's payload states, formatted; "" when it states none (or a
    malformed one: payloads are data, not trusted to be well-formed)."""
    if not isinstance(payload, dict):
        return ""
    amount, currency = payload.get("amount"), payload.get("currency")
    if (
        isinstance(amount, int)
        and not isinstance(amount, bool)
        and abs(amount) < 2**63
        and isinstance(currency, str)
        and _CURRENCY.fullmatch(currency)
    ):
        return format_money(amount, currency)
    return ""


def _event_entry(event: Event) -> Entry:
    return Entry(
        id=event.pk,
        created_at=event.created_at,
        kind="event",
        type=event.type,
        actor=event.actor_label or str(event.get_actor_kind_display()),
        amount=_amount(event.payload),
    )


def _email_entry(email: EmailLog) -> Entry:
    return Entry(
        id=email.pk,
        created_at=email.created_at,
        kind="email",
        type=email.email_type,
        actor=email.recipient,
        subject=email.subject,
        status=str(email.get_status_display()),
    )


def _events(*, business_id: str, customer_id: str, kind: str) -> QuerySet[Event]:
    events = Event.objects.for_business(business_id).filter(customer_id=customer_id)
    if kind:
        prefixes = Q()
        for prefix in KINDS[kind]:
            prefixes |= Q(type__startswith=prefix)
        events = events.filter(prefixes)
    return events


def _emails(*, business_id: str, customer_id: str) -> QuerySet[EmailLog]:
    emails = EmailLog.objects.for_business(business_id).filter(customer_id=customer_id)
    return emails.only("id", "created_at", "email_type", "recipient", "subject", "status")


# The first page, which every details page shows: its SQL compiled once per kind.
@prepared("business_id", "customer_id")
def _newest_events(*, business_id: str, customer_id: str, kind: str, limit: int):
    events = _events(business_id=business_id, customer_id=customer_id, kind=kind)
    return events.order_by("-created_at", "-pk")[:limit]


@prepared("business_id", "customer_id")
def _newest_emails(*, business_id: str, customer_id: str, limit: int):
    emails = _emails(business_id=business_id, customer_id=customer_id)
    return emails.order_by("-created_at", "-pk")[:limit]


def _keyset(queryset, before, after, limit: int) -> list:
    """Up to `limit` rows past the cursor. The plain `created_at` bound beside the OR
    lets the (business, customer_id, created_at) index start at the cursor."""
    if after is not None:
        at, pk = after
        rows = queryset.filter(
            Q(created_at__gte=at), Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)
        )
        return list(rows.order_by("created_at", "pk")[:limit])
    at, pk = before
    queryset = queryset.filter(
        Q(created_at__lte=at), Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)
    )
    return list(queryset.order_by("-created_at", "-pk")[:limit])


def timeline_page(*, customer: Customer, params) -> dict:
    """The page of `customer`'s timeline that `params` asks for (`activity`: a kind,
    `before`/`after`: a cursor) and the kinds to choose from."""
    kind = params.get("activity", "")
    if kind not in KINDS:
        kind = ""
    before = keyset_parse(params.get("before"))
    after = None if before else keyset_parse(params.get("after"))
    limit = PER_PAGE + 1
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    newest = before is None and after is None
    entries = []
    if kind != "emails":
        if newest:
            events = _newest_events(**ids, kind=kind, limit=limit)
        else:
            events = _keyset(_events(**ids, kind=kind), before, after, limit)
        entries += [_event_entry(e) for e in events]
    if kind in ("", "emails"):
        if newest:
            emails = _newest_emails(**ids, limit=limit)
        else:
            emails = _keyset(_emails(**ids), before, after, limit)
        entries += [_email_entry(e) for e in emails]
    entries.sort(key=lambda e: (e.created_at, e.id), reverse=after is None)
    page = KeysetPage(entries[:limit], per_page=PER_PAGE, before=before, after=after)
    return {
        "timeline": page,
        "timeline_kind": kind,
        "timeline_kinds": list(KIND_LABELS.items()),
    }
