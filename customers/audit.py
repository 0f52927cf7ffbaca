"""The audit trail: who did what, recorded with the change itself.

Every service that moves money or access calls `event_record` inside its own
transaction, so the Event commits (or rolls back) with the change; the Event
table is also the outbox webhooks are sent from: `event_record` sends the
`event_recorded` signal (still inside the transaction), and the webhooks area's
receiver writes the webhook message and its deliveries beside the Event.
"""

from dataclasses import dataclass

from django.dispatch import Signal

from customers.models import Business, Customer, Event

# Sent by `event_record` inside the caller's transaction, with `event` (the new row)
# and `subject` (the object it is about, as the service holds it).
event_recorded = Signal()


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit trail records it."""

    kind: str
    id: str = ""
    label: str = ""

    @classmethod
    def user(cls, user) -> "Actor":
        return cls(Event.ActorKind.USER, str(user.pk), user.get_username())

    @classmethod
    def api_key(cls, key) -> "Actor":
        """A request made with one of the business's API keys (customers.ApiKey)."""
        return cls(Event.ActorKind.API_KEY, str(key.pk), key.name)

    @classmethod
    def customer(cls, customer) -> "Actor":
        """The customer themselves, signed in to the portal."""
        return cls(Event.ActorKind.CUSTOMER, customer.pk, customer.email)

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(Event.ActorKind.SYSTEM, "", label)


def event_record(subject, *, type: str, actor: Actor, payload=None) -> Event:
    """Append one audit Event about `subject` (one of a business's rows, or the
    business itself); call it inside the transaction of the change.

    The event's object is the subject. The customer it concerns, which the
    customer's details page lists it under, is the subject when that is a
    customer, else the subject's customer, else the customer who acted.
    """
    business_id = subject.pk if isinstance(subject, Business) else subject.business_id
    if isinstance(subject, Customer):
        customer_id = subject.pk
    else:
        customer_id = getattr(subject, "customer_id", "") or ""
    if not customer_id and actor.kind == Event.ActorKind.CUSTOMER:
        customer_id = actor.id
    event = Event.objects.create(
        business_id=business_id,
        type=type,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        object_id=subject.pk,
        customer_id=customer_id,
        payload=payload or {},
    )
    event_recorded.send(sender=Event, event=event, subject=subject)
    return event
