"""The ledger's building blocks, used by the credit services and the expiry job
while they hold a balance's row lock: lock (or create) a balance, append an entry
with its allocations and Event, spend grants, create a grant (a debit's own steps are
in `wallets.credits.debits`). Nothing here opens a transaction: callers do (see
`wallets.credits.services`)."""

import datetime as dt

from django.db.models import Case, F, When
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from wallets.credits.amounts import credits_text
from wallets.credits.errors import InvalidCreditRequest
from wallets.credits.models import (
    MAX_STORED,
    CreditAllocation,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
    TransactionType,
)

# Our Event type for each kind of entry (the webhook types, customers.webhooks.events).
EVENT_TYPE = {
    TransactionType.CREDIT_ADDED: "credit.added",
    TransactionType.CREDIT_DEDUCTED: "credit.deducted",
    TransactionType.CREDIT_EXPIRED: "credit.expired",
    TransactionType.ROLLOVER_FORFEITED: "credit.rollover_forfeited",
    TransactionType.MANUAL_ADJUSTMENT: "credit.manual_adjustment",
    TransactionType.AUTO_TOP_UP: "credit.added",
    TransactionType.OVERAGE_CHARGED: "credit.overage_charged",
    TransactionType.OVERAGE_RESET: "credit.overage_reset",
    TransactionType.REFUND: "credit.deducted",
}


def lock_balance(business, entitlement, customer, now) -> CreditBalance:
    balances = CreditBalance.objects.filter(
        business=business, entitlement=entitlement, customer=customer
    )
    found = list(balances.select_for_update()[:1])
    if found:
        found[0].entitlement = entitlement
        return found[0]
    CreditBalance.objects.bulk_create(
        [
            CreditBalance(
                business=business,
                entitlement=entitlement,
                customer=customer,
                created_at=now,
                updated_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    balance = balances.select_for_update().get()
    balance.entitlement = entitlement
    return balance


def append(
    balance: CreditBalance,
    *,
    is_credit: bool,
    amount: int,
    balance_delta: int,
    overage_delta: int,
    transaction_type: str,
    grant: CreditGrant | None,
    allocations: list[tuple[CreditGrant, int]],
    actor: Actor,
    now,
    reason: str = "",
    metadata: dict | None = None,
    reference: tuple[str, str] = ("", ""),
    key: str = "",
    fingerprint: str = "",
    event_type: str | None = None,
) -> CreditLedgerEntry:
    """Append one entry to the locked `balance` (updated in memory; the caller saves
    it) with its allocations, and record its Event."""
    entry = next_entry(
        balance,
        is_credit=is_credit,
        amount=amount,
        balance_delta=balance_delta,
        overage_delta=overage_delta,
        transaction_type=transaction_type,
        grant_id=grant.pk if grant else None,
        actor=actor,
        now=now,
        reason=reason,
        metadata=metadata,
        reference=reference,
        key=key,
        fingerprint=fingerprint,
    )
    if grant is not None:
        entry.grant = grant
    entry.save(force_insert=True)
    if allocations:
        CreditAllocation.objects.bulk_create(
            [
                CreditAllocation(business_id=balance.business_id, entry=entry, grant=g, amount=n)
                for g, n in allocations
            ]
        )
    event_type = event_type or EVENT_TYPE.get(transaction_type)
    if event_type:
        event_record(entry, type=event_type, actor=actor, payload=payload(entry, balance))
    return entry


def next_entry(
    balance: CreditBalance,
    *,
    is_credit: bool,
    amount: int,
    balance_delta: int,
    overage_delta: int,
    transaction_type: str,
    grant_id: str | None,
    actor: Actor,
    now,
    reason: str = "",
    metadata: dict | None = None,
    reference: tuple[str, str] = ("", ""),
    key: str = "",
    fingerprint: str = "",
) -> CreditLedgerEntry:
    """The locked balance's next entry (not yet written); the balance moves with it
    in memory."""
    entry = CreditLedgerEntry(
        business_id=balance.business_id,
        credit_balance=balance,
        entitlement_id=balance.entitlement_id,
        customer_id=balance.customer_id,
        grant_id=grant_id,
        sequence=balance.last_sequence + 1,
        transaction_type=transaction_type,
        is_credit=is_credit,
        amount=amount,
        balance_before=balance.balance,
        balance_after=balance.balance + balance_delta,
        overage_before=balance.overage,
        overage_after=balance.overage + overage_delta,
        reason=reason,
        metadata=metadata or {},
        reference_type=reference[0],
        reference_id=reference[1],
        idempotency_key=key,
        request_fingerprint=fingerprint,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        created_at=now,
    )
    if entry.balance_after > MAX_STORED:
        raise InvalidCreditRequest(_("This would make the balance too large."), field="amount")
    balance.last_sequence = entry.sequence
    balance.balance, balance.overage = entry.balance_after, entry.overage_after
    balance.updated_at = balance.last_transaction_at = now
    return entry


def payload(entry: CreditLedgerEntry, balance: CreditBalance) -> dict:
    precision = balance.entitlement.precision
    return {
        "credit_entitlement_id": entry.entitlement_id,
        "transaction_type": entry.transaction_type,
        "amount": credits_text(entry.amount, precision),
        "balance_after": credits_text(entry.balance_after, precision),
        "grant_id": entry.grant_id,
        "reason": entry.reason,
    }


def spend(allocations: list[tuple[CreditGrant, int]], now) -> None:
    """Take each (grant, amount) off its grant's remaining amount, in one UPDATE."""
    if not allocations:
        return
    CreditGrant.objects.filter(pk__in=[g.pk for g, _n in allocations]).update(
        remaining_amount=Case(
            *[When(pk=g.pk, then=F("remaining_amount") - n) for g, n in allocations]
        ),
        updated_at=now,
    )
    for grant, n in allocations:
        if isinstance(grant, CreditGrant):
            grant.remaining_amount -= n


def default_expiry(entitlement: CreditEntitlement, now):
    if entitlement.expires_after_days is None:
        return None
    return now + dt.timedelta(days=entitlement.expires_after_days)


def _new_grant(balance, *, amount, source_type, source_id, expires_at, now, parent=None, metadata):
    return CreditGrant.objects.create(
        business_id=balance.business_id,
        credit_balance=balance,
        entitlement_id=balance.entitlement_id,
        customer_id=balance.customer_id,
        source_type=source_type,
        source_id=source_id,
        initial_amount=amount,
        remaining_amount=amount,
        expires_at=expires_at,
        rollover_count=parent.rollover_count + 1 if parent else 0,
        parent_grant=parent,
        metadata=metadata or {},
        created_at=now,
        updated_at=now,
    )


def grant_into(
    balance,
    *,
    amount,
    transaction_type,
    source_type,
    source_id,
    expires_at,
    actor,
    now,
    parent=None,
    **entry,
):
    """Create a grant of `amount` on the locked balance and its credit entry; the
    grant first repays any overage (that part is allocated from it at once)."""
    grant = _new_grant(
        balance,
        amount=amount,
        source_type=source_type,
        source_id=source_id,
        expires_at=expires_at,
        now=now,
        parent=parent,
        metadata=entry.get("metadata"),
    )
    repaid = min(balance.overage, amount)
    allocations = [(grant, repaid)] if repaid else []
    spend(allocations, now)
    return append(
        balance,
        is_credit=True,
        amount=amount,
        balance_delta=amount - repaid,
        overage_delta=-repaid,
        transaction_type=transaction_type,
        grant=grant,
        allocations=allocations,
        actor=actor,
        now=now,
        **entry,
    )
