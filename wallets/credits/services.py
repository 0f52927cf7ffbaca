"""The operations that move credits: `credit_grant`, `credit_debit`, `credits_expire`.

Dashboard forms, the API, product purchases and renewals, and the expiry job all
call these, so the rules live once. See `wallets.credits.models` for the design.

Locking. Every operation on a balance first locks its `CreditBalance` row
(`SELECT … FOR UPDATE`; a first credit creates it with INSERT … ON CONFLICT DO
NOTHING, then locks it). Grants are only changed by a transaction holding their
balance's lock, so a debit reads the spendable grants, splits the amount FIFO by
expiry, and writes the grants, the entry, its allocations and the balance with no
other writer in between: fifty concurrent debits of one balance run one after
another and never overspend. Before a debit the balance's due grants are expired
(or rolled over) in the same transaction, so credits past their `expires_at` are
never spent even if the beat job has not run yet.

Idempotency, as for the wallet (`wallets.services`): a non-empty key is unique
per business on the entry (a partial unique index). A replay with the same request
(SHA-256 fingerprint of its parameters) returns the first entry and writes nothing;
another request under the key raises `CreditIdempotencyKeyReused`. Two concurrent
requests with one key: the second one's INSERT waits on the unique index and fails
when the first commits; its transaction rolls back and the lookup is repeated.
"""

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.core.validation import text_problem, validate_metadata
from customers.models import Business, Customer, add_interval
from wallets.credits.amounts import credits_text, step
from wallets.credits.errors import (
    AmountPrecisionExceeded,
    CreditEntitlementDeleted,
    CreditExpiryInThePast,
    CreditIdempotencyKeyReused,
    InsufficientCredits,
    InvalidCreditRequest,
)
from wallets.credits.models import (
    MAX_AMOUNT,
    MAX_STORED,
    MILLI,
    CreditAllocation,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
    GrantSource,
    TransactionType,
)

REASON_MAX_LENGTH = CreditLedgerEntry._meta.get_field("reason").max_length
KEY_MAX_LENGTH = CreditLedgerEntry._meta.get_field("idempotency_key").max_length
DEFAULT = object()  # expires_at: the entitlement's expires_after_days

# Our Event type for each kind of entry (the webhook types, customers.webhooks.events).
EVENT_TYPE = {
    TransactionType.CREDIT_ADDED: "credit.added",
    TransactionType.CREDIT_DEDUCTED: "credit.deducted",
    TransactionType.CREDIT_EXPIRED: "credit.expired",
    TransactionType.ROLLOVER_FORFEITED: "credit.rollover_forfeited",
    TransactionType.MANUAL_ADJUSTMENT: "credit.manual_adjustment",
    TransactionType.AUTO_TOP_UP: "credit.added",
    TransactionType.OVERAGE_RESET: "credit.overage_reset",
    TransactionType.REFUND: "credit.deducted",
}


def _fingerprint(*values) -> str:
    canonical = json.dumps(values, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_common(*, business, entitlement, customer, amount, reason, metadata, key):
    if customer.business_id != business.pk or entitlement.business_id != business.pk:
        raise InvalidCreditRequest(_("This belongs to another business."), field="customer")
    if entitlement.is_deleted:
        raise CreditEntitlementDeleted()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidCreditRequest(_("The amount must be greater than zero."), field="amount")
    if amount > MAX_AMOUNT:
        raise InvalidCreditRequest(
            _("The amount must be below 10,000,000,000 credits."), field="amount"
        )
    if amount % step(entitlement.precision):
        raise AmountPrecisionExceeded(
            _("This credit allows at most %(n)d decimal places.") % {"n": entitlement.precision},
            field="amount",
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH or text_problem(reason):
        raise InvalidCreditRequest(
            _("The reason can be at most %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            field="reason",
        )
    key = key or ""
    if not isinstance(key, str) or len(key) > KEY_MAX_LENGTH or text_problem(key):
        raise InvalidCreditRequest(
            _("The idempotency key must be text of at most %(n)d characters.")
            % {"n": KEY_MAX_LENGTH},
            field="idempotency_key",
        )
    return reason, validate_metadata(metadata), key


def _replay(business: Business, key: str, fingerprint: str) -> CreditLedgerEntry | None:
    if not key:
        return None
    entry = CreditLedgerEntry.objects.for_business(business).filter(idempotency_key=key).first()
    if entry is not None and entry.request_fingerprint != fingerprint:
        raise CreditIdempotencyKeyReused(entry=entry)
    return entry


def _once(business: Business, key: str, fingerprint: str, run) -> CreditLedgerEntry:
    """`run()` in a transaction, exactly once per idempotency key."""
    if existing := _replay(business, key, fingerprint):
        return existing
    try:
        with transaction.atomic():
            return run()
    except (IntegrityError, InsufficientCredits):
        # A concurrent request with the same key committed first.
        if existing := _replay(business, key, fingerprint):
            return existing
        raise


def _lock_balance(business, entitlement, customer, now) -> CreditBalance:
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


def _append(
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
    balance.last_sequence += 1
    entry = CreditLedgerEntry(
        business_id=balance.business_id,
        credit_balance=balance,
        entitlement_id=balance.entitlement_id,
        customer_id=balance.customer_id,
        grant=grant,
        sequence=balance.last_sequence,
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
    entry.save(force_insert=True)
    balance.balance, balance.overage = entry.balance_after, entry.overage_after
    balance.updated_at = balance.last_transaction_at = now
    if allocations:
        CreditAllocation.objects.bulk_create(
            [
                CreditAllocation(business_id=balance.business_id, entry=entry, grant=g, amount=n)
                for g, n in allocations
            ]
        )
    event_type = event_type or EVENT_TYPE.get(transaction_type)
    if event_type:
        event_record(entry, type=event_type, actor=actor, payload=_payload(entry, balance))
    return entry


def _payload(entry: CreditLedgerEntry, balance: CreditBalance) -> dict:
    precision = balance.entitlement.precision
    return {
        "credit_entitlement_id": entry.entitlement_id,
        "transaction_type": entry.transaction_type,
        "amount": credits_text(entry.amount, precision),
        "balance_after": credits_text(entry.balance_after, precision),
        "grant_id": entry.grant_id,
        "reason": entry.reason,
    }


def _spend(allocations: list[tuple[CreditGrant, int]], now) -> None:
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


def _grant_into(
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
    _spend(allocations, now)
    return _append(
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


def credit_grant(
    *,
    business: Business,
    entitlement: CreditEntitlement,
    customer: Customer,
    amount: int,
    actor: Actor,
    reason: str = "",
    metadata: dict | None = None,
    expires_at=DEFAULT,
    source_type: str = GrantSource.API,
    source_id: str = "",
    transaction_type: str = TransactionType.CREDIT_ADDED,
    reference: tuple[str, str] = ("", ""),
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> CreditLedgerEntry:
    """Give `customer` `amount` thousandths of `entitlement` as a new grant (expiring
    at `expires_at`, by default after the entitlement's `expires_after_days`)."""
    now = now or timezone.now()
    reason, metadata, key = _check_common(
        business=business,
        entitlement=entitlement,
        customer=customer,
        amount=amount,
        reason=reason,
        metadata=metadata,
        key=idempotency_key,
    )
    if source_type not in GrantSource.values:
        raise InvalidCreditRequest(_("Unknown grant source."), field="source_type")
    explicit = expires_at is not DEFAULT
    if not explicit:
        expires_at = default_expiry(entitlement, now)
    if explicit and expires_at is not None and expires_at <= now:
        raise CreditExpiryInThePast(_("The expiry must be in the future."), field="expires_at")
    fingerprint = _fingerprint(
        "credit",
        customer.pk,
        entitlement.pk,
        amount,
        reason,
        metadata,
        expires_at.isoformat() if explicit and expires_at else None,
        transaction_type,
        source_id,
    )

    def run():
        balance = _lock_balance(business, entitlement, customer, now)
        entry = _grant_into(
            balance,
            amount=amount,
            transaction_type=transaction_type,
            source_type=source_type,
            source_id=source_id,
            expires_at=expires_at,
            actor=actor,
            now=now,
            reason=reason,
            metadata=metadata,
            reference=reference,
            key=key,
            fingerprint=fingerprint,
        )
        balance.save()
        return entry

    return _once(business, key, fingerprint, run)


def _fifo(balance: CreditBalance) -> list[CreditGrant]:
    """The balance's spendable grants in the order they are spent."""
    return list(
        CreditGrant.objects.filter(credit_balance=balance, remaining_amount__gt=0).order_by(
            F("expires_at").asc(nulls_last=True), "created_at", "id"
        )
    )


def credit_debit(
    *,
    business: Business,
    entitlement: CreditEntitlement,
    customer: Customer,
    amount: int,
    actor: Actor,
    reason: str = "",
    metadata: dict | None = None,
    transaction_type: str = TransactionType.CREDIT_DEDUCTED,
    reference: tuple[str, str] = ("", ""),
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> CreditLedgerEntry:
    """Spend `amount` thousandths, FIFO by expiry across grants; beyond the balance
    into overage if the entitlement allows it (within its limit). Raises
    InsufficientCredits otherwise; nothing is written then."""
    now = now or timezone.now()
    reason, metadata, key = _check_common(
        business=business,
        entitlement=entitlement,
        customer=customer,
        amount=amount,
        reason=reason,
        metadata=metadata,
        key=idempotency_key,
    )
    fingerprint = _fingerprint(
        "debit", customer.pk, entitlement.pk, amount, reason, metadata, transaction_type
    )

    def run():
        balance = _lock_balance(business, entitlement, customer, now)
        expire_balance(balance, now=now)
        allocations, left = [], amount
        for grant in _fifo(balance):
            take = min(grant.remaining_amount, left)
            allocations.append((grant, take))
            left -= take
            if not left:
                break
        if left and not _overage_allows(entitlement, balance.overage + left):
            raise InsufficientCredits(
                _("The balance holds %(n)s; this debit needs %(m)s.")
                % {
                    "n": credits_text(amount - left, entitlement.precision),
                    "m": credits_text(amount, entitlement.precision),
                },
                available=amount - left,
            )
        _spend(allocations, now)
        entry = _append(
            balance,
            is_credit=False,
            amount=amount,
            balance_delta=-(amount - left),
            overage_delta=left,
            transaction_type=transaction_type,
            grant=allocations[0][0] if allocations else None,
            allocations=allocations,
            actor=actor,
            now=now,
            reason=reason,
            metadata=metadata,
            reference=reference,
            key=key,
            fingerprint=fingerprint,
        )
        if left:
            event_record(
                entry, type="credit.overage_charged", actor=actor, payload=_payload(entry, balance)
            )
        balance.save()
        return entry

    return _once(business, key, fingerprint, run)


def _overage_allows(entitlement: CreditEntitlement, overage: int) -> bool:
    if not entitlement.overage_enabled:
        return False
    return entitlement.overage_limit is None or overage <= entitlement.overage_limit * MILLI


def _rollover_expiry(entitlement: CreditEntitlement, now):
    if entitlement.rollover_timeframe_count:
        return add_interval(
            now, entitlement.rollover_timeframe_interval, entitlement.rollover_timeframe_count
        )
    return default_expiry(entitlement, now)


def _expire_grant(balance: CreditBalance, grant: CreditGrant, *, now, actor: Actor) -> None:
    """Close a due grant: roll the allowed share into a new `rollover` grant and
    expire (or forfeit) the rest."""
    entitlement = balance.entitlement
    remaining = grant.remaining_amount
    rolls = entitlement.rollover_enabled and (
        entitlement.max_rollover_count is None
        or grant.rollover_count < entitlement.max_rollover_count
    )
    share = 0
    if rolls and remaining:
        unit = step(entitlement.precision)
        share = remaining * (entitlement.rollover_percentage or 0) // 100 // unit * unit
    forfeit = remaining - share
    if share:
        _spend([(grant, share)], now)
        _append(
            balance,
            is_credit=False,
            amount=share,
            balance_delta=-share,
            overage_delta=0,
            transaction_type=TransactionType.CREDIT_ROLLED_OVER,
            grant=grant,
            allocations=[(grant, share)],
            actor=actor,
            now=now,
            event_type="credit.rollover_moved",
            reference=("grant", grant.pk),
        )
        _grant_into(
            balance,
            amount=share,
            transaction_type=TransactionType.CREDIT_ROLLED_OVER,
            source_type=GrantSource.ROLLOVER,
            source_id=grant.pk,
            expires_at=_rollover_expiry(entitlement, now),
            actor=actor,
            now=now,
            parent=grant,
            reference=("grant", grant.pk),
            event_type="credit.rolled_over",
        )
    if forfeit:
        _spend([(grant, forfeit)], now)
        _append(
            balance,
            is_credit=False,
            amount=forfeit,
            balance_delta=-forfeit,
            overage_delta=0,
            transaction_type=(
                TransactionType.ROLLOVER_FORFEITED if rolls else TransactionType.CREDIT_EXPIRED
            ),
            grant=grant,
            allocations=[(grant, forfeit)],
            actor=actor,
            now=now,
            reference=("grant", grant.pk),
        )
    CreditGrant.objects.filter(pk=grant.pk).update(
        is_expired=True, is_rolled_over=bool(share), updated_at=now
    )


def expire_balance(balance: CreditBalance, *, now, actor: Actor | None = None) -> int:
    """Close the locked balance's grants that are due at `now`; the number closed."""
    actor = actor or Actor.system("credit expiry")
    due = list(
        CreditGrant.objects.filter(
            credit_balance=balance, is_expired=False, expires_at__lte=now
        ).order_by("expires_at", "created_at", "id")
    )
    for grant in due:
        _expire_grant(balance, grant, now=now, actor=actor)
    return len(due)


def credits_expire(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """The beat job: close every grant due at `now`, one balance per transaction
    (safe to run twice or on two workers: each balance is locked and re-read)."""
    now = now or timezone.now()
    closed = 0
    while True:
        balance_ids = list(
            CreditGrant.objects.filter(is_expired=False, expires_at__lte=now)
            .order_by()
            .values_list("credit_balance_id", flat=True)
            .distinct()[:batch]
        )
        if not balance_ids:
            return closed
        for balance_id in balance_ids:
            with transaction.atomic():
                balance = (
                    CreditBalance.objects.select_for_update()
                    .select_related("entitlement")
                    .get(pk=balance_id)
                )
                closed += expire_balance(balance, now=now)
                balance.save()
