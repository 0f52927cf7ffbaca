"""Operations that change customers, access or the audit trail.

Each is one function and one transaction, keyword-only, and writes its Event in
that transaction. Views, the API, admin actions and commands all call these.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from customers.core.errors import CustomerEmailTaken
from customers.core.validation import normalize_phone, validate_metadata
from customers.models import Business, Customer, Event, Membership, TablePreference

CUSTOMER_FIELDS = ("name", "email", "phone_number", "metadata", "preferred_locale")


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


def _existing_by_email(business: Business, email: str, exclude_id: str | None = None):
    qs = Customer.objects.for_business(business).filter(email__iexact=email)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.first()


def _clean_fields(fields: dict) -> dict:
    cleaned = dict(fields)
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].strip()
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()
    if "phone_number" in cleaned:
        cleaned["phone_number"] = normalize_phone(cleaned["phone_number"] or "")
    if "metadata" in cleaned:
        cleaned["metadata"] = validate_metadata(cleaned["metadata"])
    if "preferred_locale" in cleaned:
        cleaned["preferred_locale"] = cleaned["preferred_locale"] or ""
    return cleaned


def customer_create(
    *,
    business: Business,
    actor: Actor,
    name: str,
    email: str,
    phone_number: str = "",
    metadata: dict | None = None,
    preferred_locale: str = "",
) -> Customer:
    """Create a customer; an e-mail already used in this business (any case) is refused."""
    fields = _clean_fields(
        {
            "name": name,
            "email": email,
            "phone_number": phone_number,
            "metadata": metadata or {},
            "preferred_locale": preferred_locale,
        }
    )
    existing = _existing_by_email(business, fields["email"])
    if existing:
        raise CustomerEmailTaken(existing)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(business=business, **fields)
            event_record(
                business=business,
                type="customer.created",
                actor=actor,
                object_id=customer.pk,
                payload={"email": customer.email, "name": customer.name},
            )
    except IntegrityError as exc:  # a concurrent create won the race
        existing = _existing_by_email(business, fields["email"])
        if existing:
            raise CustomerEmailTaken(existing) from exc
        raise
    return customer


def customer_update(*, customer: Customer, actor: Actor, **changes) -> Customer:
    """Change some of a customer's fields; records what changed, from and to."""
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() got unexpected fields: {sorted(unknown)}")
    changes = _clean_fields(changes)
    if "email" in changes:
        existing = _existing_by_email(customer.business, changes["email"], exclude_id=customer.pk)
        if existing:
            raise CustomerEmailTaken(existing)
    diff = {
        field: [getattr(customer, field), value]
        for field, value in changes.items()
        if getattr(customer, field) != value
    }
    if not diff:
        return customer
    try:
        with transaction.atomic():
            for field, (_old, new) in diff.items():
                setattr(customer, field, new)
            customer.save(update_fields=[*diff, "updated_at"])
            event_record(
                business=customer.business,
                type="customer.updated",
                actor=actor,
                object_id=customer.pk,
                payload={"changes": diff},
            )
    except IntegrityError as exc:
        existing = _existing_by_email(customer.business, changes.get("email", ""), customer.pk)
        if existing:
            raise CustomerEmailTaken(existing) from exc
        raise
    return customer


def merchant_create(*, business_name: str, email: str, password: str) -> tuple[Membership, bool]:
    """Create a business and its owner login; idempotent for the same e-mail.

    Returns the owner's membership and whether anything was created.
    """
    User = get_user_model()
    email = email.strip().lower()
    with transaction.atomic():
        business, business_created = Business.objects.get_or_create(name=business_name.strip())
        user = User.objects.filter(username__iexact=email).first()
        user_created = user is None
        if user_created:
            user = User.objects.create_user(username=email, email=email, password=password)
        membership, membership_created = Membership.objects.get_or_create(
            business=business, user=user, defaults={"role": Membership.Role.OWNER}
        )
        if membership_created:
            event_record(
                business=business,
                type="membership.created",
                actor=Actor.system("create_merchant"),
                object_id=business.pk,
                payload={"user": email, "role": membership.role},
            )
    return membership, business_created or user_created or membership_created


def table_columns_save(*, user, business: Business, table: str, columns: list[str]) -> None:
    TablePreference.objects.update_or_create(
        user=user, business=business, table=table, defaults={"columns": columns}
    )
