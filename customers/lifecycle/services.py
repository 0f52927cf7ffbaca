"""Deleting a customer and merging two: personal data erased, money kept.

`customer_delete` turns a customer into a tombstone (see
`customers.models.lifecycle`): the row stays, so its payments, refunds, invoices
and ledger entries keep pointing at something and every kept figure still adds
up; what identifies a person is erased, its portal access ends, and an Event says
who did it and when.

`customer_merge` moves everything a duplicate owns to the survivor in one
transaction, then tombstones the duplicate with `merged_into`. What moves is found
generically: every model with a foreign key (or many-to-many) to Customer, so rows
added by later areas (notes, tags) move without a change here. The exceptions are
listed in `STAYS` (history that belongs to the duplicate's own row: its wallets and
their append-only ledgers, kept figures, which the payment and refund triggers
move by themselves, and the tombstone itself). Wallet money moves as two ledger
entries per currency through `wallets.services.ledger_post` — a
`merchant_adjustment` debit of the duplicate and a credit of the survivor, both
referencing the duplicate — so each wallet's balance stays equal to its entries.

A model whose rows are personal data of the customer (notes) declares
`ERASE_WITH_CUSTOMER = True`: a delete removes its rows.

Locking: both customer rows are locked (FOR NO KEY UPDATE) in ID order (two merges
of the same pair in opposite directions wait instead of deadlocking, and ledger posts,
whose entries only KEY SHARE the customer, are not blocked by it), then the
duplicate's wallets, so
a ledger post racing the merge either lands before the balance is read (and moves)
or after it was moved (and meets an empty wallet).
"""

from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.lifecycle.errors import (
    CustomerAlreadyDeleted,
    CustomerHasActiveSubscription,
    CustomerHasCredits,
    CustomerHasWalletBalance,
    InvalidMerge,
)
from customers.models import (
    Customer,
    CustomerSpend,
    CustomerTombstone,
    Event,
    Subscription,
    is_tombstone,
    tombstone_email,
)
from portal.models import PortalLink, PortalLogin
from wallets.credits.models import CreditBalance
from wallets.models import Direction, EventType, Wallet
from wallets.services import ledger_post

# Subscriptions that can still bill or come back; a customer holding one is not deleted.
LIVE_SUBSCRIPTIONS = (
    Subscription.Status.PENDING,
    Subscription.Status.ACTIVE,
    Subscription.Status.ON_HOLD,
    Subscription.Status.PAUSED,
    Subscription.Status.PAST_DUE,
)

# Rows that stay with the duplicate's own row in a merge (model labels, lower case).
STAYS = {
    "wallets.wallet",
    "wallets.ledgerentry",
    "customers.customerspend",
    "customers.customertombstone",
    # Credits keep their append-only ledger on the duplicate; a duplicate that still
    # holds credits is refused (CustomerHasCredits) rather than left with them.
    "wallets.creditbalance",
    "wallets.creditgrant",
    "wallets.creditledgerentry",
    "wallets.creditallocation",
}

# Personal fields a tombstone empties, and what it leaves in them. Fields added
# later (billing address, tax ID) are emptied too when they exist: see _erase.
ERASED = {"name": "", "phone_number": "", "metadata": dict, "preferred_locale": ""}
# Events whose payloads copy personal data (the customer's own create/update).
PERSONAL_EVENTS = ("customer.created", "customer.updated")


@dataclass
class MergePreview:
    """What a merge of `duplicate` into `survivor` would move."""

    duplicate: Customer
    survivor: Customer
    rows: list[tuple[str, int]] = field(default_factory=list)  # (what, how many)
    wallets: list[tuple[str, int]] = field(default_factory=list)  # (currency, minor units)

    @property
    def is_empty(self) -> bool:
        return not any(n for _label, n in self.rows) and not self.wallets


def _relations():
    """Every relation pointing at Customer that a merge moves: (label, model, field, m2m)."""
    found = []
    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if model._meta.label_lower in STAYS or rel.remote_field.name == "merged_into":
            continue
        label = str(model._meta.verbose_name_plural)
        found.append((label, model, rel.field.name, rel.many_to_many))
    for m2m in Customer._meta.many_to_many:  # forward many-to-many (tags on Customer)
        found.append((str(m2m.verbose_name), None, m2m.name, True))
    return found


def _unique_with(model, field_name: str) -> list[list[str]]:
    """The other fields of each unique constraint of `model` that includes `field_name`."""
    return [
        [f for f in constraint.fields if f != field_name]
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and field_name in constraint.fields
    ]


def _rows_of(customer: Customer, model, field_name: str, m2m: bool):
    if model is None:
        return getattr(customer, field_name).all()
    return model._base_manager.filter(**{field_name: customer})


def customer_merge_preview(*, duplicate: Customer, survivor: Customer) -> MergePreview:
    """Count what would move (one query per kind of row)."""
    _check_pair(duplicate, survivor)
    preview = MergePreview(duplicate=duplicate, survivor=survivor)
    for label, model, field_name, m2m in _relations():
        preview.rows.append((label, _rows_of(duplicate, model, field_name, m2m).count()))
    preview.wallets = list(
        Wallet.objects.for_business(duplicate.business_id)
        .filter(customer=duplicate, balance__gt=0)
        .order_by("currency")
        .values_list("currency", "balance")
    )
    return preview


def _check_pair(duplicate: Customer, survivor: Customer) -> None:
    if duplicate.business_id != survivor.business_id:
        raise InvalidMerge()
    if duplicate.pk == survivor.pk:
        raise InvalidMerge(
            _("Choose two different customers: a customer cannot be merged into itself.")
        )
    if is_tombstone(duplicate) or is_tombstone(survivor):
        raise CustomerAlreadyDeleted()
    if CreditBalance.objects.filter(customer=duplicate).exclude(balance=0).exists():
        raise CustomerHasCredits()


def _lock(*customers: Customer) -> dict[str, Customer]:
    """Lock the customer rows in ID order; return them fresh, by ID."""
    ids = sorted(c.pk for c in customers)
    # NO KEY UPDATE, not UPDATE: a ledger post's entry checks its foreign key to the
    # customer with KEY SHARE while it holds its wallet's row; FOR UPDATE would make it
    # wait for us while we wait for its wallet (a deadlock the race test found).
    locked = Customer.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return {c.pk: c for c in locked}


def _erase(customer: Customer) -> list[str]:
    """Empty the personal fields of `customer` (not saved); the names of those changed."""
    changed = ["email"]
    customer.email = tombstone_email(customer.pk)
    for name, empty in ERASED.items():
        setattr(customer, name, empty() if callable(empty) else empty)
        changed.append(name)
    for f in Customer._meta.concrete_fields:
        # Billing details, when the customer has them: text emptied, JSON cleared.
        if f.name.startswith("billing") or f.name in ("tax_id", "business_name"):
            if isinstance(f, models.JSONField):
                setattr(customer, f.attname, None if f.null else {})
            elif isinstance(f, models.CharField | models.TextField):
                setattr(customer, f.attname, "")
            else:
                continue
            changed.append(f.name)
    return changed


def _end_portal_access(customer: Customer, now) -> None:
    PortalLink.objects.filter(customer=customer, revoked_at__isnull=True).update(revoked_at=now)
    PortalLogin.objects.filter(customer=customer, ended_at__isnull=True).update(ended_at=now)


def _tombstone(customer: Customer, *, actor: Actor, reason: str, merged_into=None) -> None:
    now = timezone.now()
    changed = _erase(customer)
    customer.save(update_fields=[*changed, "updated_at"])
    CustomerTombstone.objects.create(
        customer=customer,
        business_id=customer.business_id,
        reason=reason,
        merged_into=merged_into,
        actor_label=actor.label,
    )
    _end_portal_access(customer, now)
    Event.objects.filter(
        business_id=customer.business_id, object_id=customer.pk, type__in=PERSONAL_EVENTS
    ).update(payload={"erased": True})


def customer_delete(*, customer: Customer, actor: Actor) -> Customer:
    """Erase a customer's personal data and leave a tombstone; refused while a
    subscription can still bill or a wallet holds money."""
    with transaction.atomic():
        customer = _lock(customer)[customer.pk]
        if is_tombstone(customer):
            raise CustomerAlreadyDeleted()
        subscriptions = Subscription.objects.for_business(customer.business_id)
        if subscriptions.filter(customer=customer, status__in=LIVE_SUBSCRIPTIONS).exists():
            raise CustomerHasActiveSubscription()
        wallets = Wallet.objects.for_business(customer.business_id).filter(customer=customer)
        if wallets.filter(balance__gt=0).exists():
            raise CustomerHasWalletBalance()
        erasable = [
            rel.related_model
            for rel in Customer._meta.related_objects
            if getattr(rel.related_model, "ERASE_WITH_CUSTOMER", False)
        ]
        for model in erasable:
            model._base_manager.filter(**{_fk_name(model): customer}).delete()
        _tombstone(customer, actor=actor, reason=CustomerTombstone.Reason.DELETED)
        event_record(customer, type="customer.deleted", actor=actor, payload={})
    return customer


def _fk_name(model) -> str:
    return next(
        f.name
        for f in model._meta.fields
        if isinstance(f, models.ForeignKey) and f.related_model is Customer
    )


def customer_merge(*, duplicate: Customer, survivor: Customer, actor: Actor) -> Customer:
    """Move everything `duplicate` owns to `survivor`, then tombstone the duplicate."""
    _check_pair(duplicate, survivor)
    with transaction.atomic():
        locked = _lock(duplicate, survivor)
        duplicate, survivor = locked[duplicate.pk], locked[survivor.pk]
        _check_pair(duplicate, survivor)
        moved = {}
        for label, model, field_name, m2m in _relations():
            moved[label] = _move(duplicate, survivor, model, field_name, m2m)
        transfers = _move_wallets(duplicate, survivor, actor)
        # The duplicate's spend rows are all zero now (the triggers moved its payments).
        CustomerSpend.objects.filter(customer=duplicate).delete()
        CustomerTombstone.objects.filter(merged_into=duplicate).update(merged_into=survivor)
        _tombstone(
            duplicate, actor=actor, reason=CustomerTombstone.Reason.MERGED, merged_into=survivor
        )
        Event.objects.filter(business_id=survivor.business_id, customer_id=duplicate.pk).update(
            customer_id=survivor.pk
        )
        event_record(
            survivor,
            type="customer.merged",
            actor=actor,
            payload={
                "duplicate_id": duplicate.pk,
                "moved": {k: v for k, v in moved.items() if v},
                "wallets": transfers,
            },
        )
    return survivor


def _move(duplicate, survivor, model, field_name: str, m2m: bool) -> int:
    if not m2m:
        rows = model._base_manager.filter(**{field_name: duplicate})
        for others in _unique_with(model, field_name):
            # A row the survivor already has (the same tag on both): drop the duplicate's.
            held = model._base_manager.filter(
                **{field_name: survivor}, **{f: OuterRef(f) for f in others}
            )
            rows.filter(Exists(held)).delete()
        return rows.update(**{field_name: survivor})
    if model is None:  # a many-to-many field on Customer itself
        related = list(getattr(duplicate, field_name).all())
        getattr(survivor, field_name).add(*related)
        getattr(duplicate, field_name).clear()
        return len(related)
    rows = list(model._base_manager.filter(**{field_name: duplicate}))
    for row in rows:  # the other side of a many-to-many: union, then drop the duplicate
        getattr(row, field_name).add(survivor)
        getattr(row, field_name).remove(duplicate)
    return len(rows)


def _move_wallets(duplicate: Customer, survivor: Customer, actor: Actor) -> dict[str, int]:
    """Debit each of the duplicate's wallets to zero and credit the survivor as much."""
    wallets = (
        Wallet.objects.for_business(duplicate.business_id)
        .select_for_update(no_key=True)
        .filter(customer=duplicate, balance__gt=0)
        .order_by("currency")
    )
    moved = {}
    for wallet in wallets:
        for customer, direction in ((duplicate, Direction.DEBIT), (survivor, Direction.CREDIT)):
            ledger_post(
                business=duplicate.business,
                customer=customer,
                currency=wallet.currency,
                amount=wallet.balance,
                direction=direction,
                event_type=EventType.MERCHANT_ADJUSTMENT,
                reason=f"Merge of {duplicate.pk} into {survivor.pk}",
                reference_id=duplicate.pk,
                actor=actor,
                idempotency_key=f"merge:{duplicate.pk}:{wallet.currency}:{direction}",
            )
        moved[wallet.currency] = wallet.balance
    return moved


def merged_survivor(customer: Customer) -> Customer | None:
    """The customer a merged one now lives on, or None (one query)."""
    tombstone = (
        CustomerTombstone.objects.select_related("merged_into")
        .filter(customer=customer, merged_into__isnull=False)
        .first()
    )
    return tombstone.merged_into if tombstone else None
