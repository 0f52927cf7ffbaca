"""The audit trail: who did what, recorded with the change itself.

Every service that moves money or access calls `event_record` inside its own
transaction, so the Event commits (or rolls back) with the change; the Event
table is also the outbox webhooks are sent from.
"""

from dataclasses import dataclass

from customers.models import Business, Event


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


def event_record(
    *,
    business: Business,
    type: str,
    actor: Actor,
    object_id: str,
    payload=None,
    customer_id: str = "",
):
    """Append one audit Event; call it inside the transaction of the change.

    `customer_id` names the customer the change concerns; it defaults to the
    object itself when that is a customer, and to the actor when a customer acted.
    """
    if not customer_id:
        if object_id.startswith("cus_"):
            customer_id = object_id
        elif actor.kind == Event.ActorKind.CUSTOMER:
            customer_id = actor.id
    return Event.objects.create(
        business=business,
        type=type,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        object_id=object_id,
        customer_id=customer_id,
        payload=payload or {},
    )
