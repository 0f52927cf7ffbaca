"""The operations that move credits: `credit_grant` and `credit_debit` (expiry and
rollover are in `wallets.credits.expiry`, the shared steps in `wallets.credits.ledger`).

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

A debit on PostgreSQL is four round trips: one statement locks the balance and reads
its first FIFO grants (read again, under the lock, if the lock had to wait:
`wallets.credits.debits.lock_for_debit`), one statement spends the grants, inserts
the entry and its allocations and updates the balance (`debit_append`: data-modifying
CTEs), then the Event and its outbox look-up — plus BEGIN and COMMIT. SQLite takes the
ORM's steps; both write the same rows under the same constraints.

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
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor
from customers.core.validation import text_problem, validate_metadata
from customers.models import Business, Customer, Payment
from wallets.credits.alerts import low_balance_check
from wallets.credits.amounts import credits_text, step
from wallets.credits.debits import FIFO_BATCH, debit_append, fifo, lock_for_debit
from wallets.credits.errors import (
    AmountPrecisionExceeded,
    CreditEntitlementDeleted,
    CreditExpiryInThePast,
    CreditIdempotencyKeyReused,
    InsufficientCredits,
    InvalidCreditRequest,
)
from wallets.credits.expiry import expire_balance
from wallets.credits.ledger import default_expiry, grant_into, lock_balance
from wallets.credits.models import (
    MAX_AMOUNT,
    MILLI,
    CreditBalance,
    CreditEntitlement,
    CreditLedgerEntry,
    GrantSource,
    ProductCredit,
    TransactionType,
)

REASON_MAX_LENGTH = CreditLedgerEntry._meta.get_field("reason").max_length
KEY_MAX_LENGTH = CreditLedgerEntry._meta.get_field("idempotency_key").max_length
DEFAULT = object()  # expires_at: the entitlement's expires_after_days


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
        balance = lock_balance(business, entitlement, customer, now)
        entry = grant_into(
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


def _take(balance: CreditBalance, grants: list, amount: int, now) -> tuple[list, int]:
    """Split `amount` FIFO over the locked balance's `grants` (its first FIFO_BATCH):
    ([(grant, n)], what is left over). Due grants sort first, so one look at the first
    grant tells whether any must be closed (expired or rolled over) before spending."""
    if grants and grants[0].expires_at is not None and grants[0].expires_at <= now:
        expire_balance(balance, now=now)
        grants = fifo(balance, 0, FIFO_BATCH)
    if len(grants) == FIFO_BATCH and sum(g.remaining_amount for g in grants) < amount:
        grants += fifo(balance, FIFO_BATCH)
    allocations, left = [], amount
    for grant in grants:
        take = min(grant.remaining_amount, left)
        allocations.append((grant, take))
        left -= take
        if not left:
            break
    return allocations, left


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
        balance, grants = lock_for_debit(business, entitlement, customer, now)
        allocations, left = _take(balance, grants, amount, now)
        if left and not _overage_allows(entitlement, balance.overage + left):
            raise InsufficientCredits(
                _("The balance holds %(n)s; this debit needs %(m)s.")
                % {
                    "n": credits_text(amount - left, entitlement.precision),
                    "m": credits_text(amount, entitlement.precision),
                },
                available=amount - left,
            )
        entry = debit_append(
            balance,
            amount=amount,
            balance_delta=-(amount - left),
            overage_delta=left,
            transaction_type=transaction_type,
            allocations=allocations,
            actor=actor,
            now=now,
            reason=reason,
            metadata=metadata,
            reference=reference,
            key=key,
            fingerprint=fingerprint,
        )
        alerted = balance.alerted_threshold
        low_balance_check(balance, entry, actor=actor)
        if balance.alerted_threshold != alerted:
            CreditBalance.objects.filter(pk=balance.pk).update(
                alerted_threshold=balance.alerted_threshold
            )
        return entry

    return _once(business, key, fingerprint, run)


def _overage_allows(entitlement: CreditEntitlement, overage: int) -> bool:
    if not entitlement.overage_enabled:
        return False
    return entitlement.overage_limit is None or overage <= entitlement.overage_limit * MILLI


def credits_grant_for_payment(
    *,
    payment: Payment,
    actor: Actor,
    now: dt.datetime | None = None,
    transaction_type: str = TransactionType.CREDIT_ADDED,
):
    """Grant the credits the paid product carries (ProductCredit), × its quantity, once
    per payment and entitlement (the idempotency key says so). Call it in the
    transaction that marks the payment succeeded.

    A subscription's credits expire at the end of the period they pay for when the
    entitlement rolls over (so the rollover runs at the period's end); otherwise, as
    every grant, after the entitlement's `expires_after_days`, or never."""
    now = now or timezone.now()
    links = ProductCredit.objects.filter(
        business_id=payment.business_id,
        product_id=payment.product_id,
        entitlement__deleted_at__isnull=True,
    ).select_related("entitlement")
    sub = payment.subscription
    entries = []
    for link in links:
        entitlement = link.entitlement
        expires_at = default_expiry(entitlement, now)
        if sub is not None and entitlement.rollover_enabled:
            expires_at = sub.next_billing_date
        entries.append(
            credit_grant(
                business=payment.business,
                entitlement=entitlement,
                customer=payment.customer,
                amount=min(link.amount * max(payment.quantity or 1, 1), MAX_AMOUNT),
                actor=actor,
                reason=f"Payment {payment.pk}",
                expires_at=expires_at if expires_at is None or expires_at > now else DEFAULT,
                source_type=GrantSource.SUBSCRIPTION if sub else GrantSource.ONE_TIME,
                source_id=sub.pk if sub else payment.pk,
                reference=("payment", payment.pk),
                idempotency_key=f"credits:{payment.pk}:{entitlement.pk}",
                transaction_type=transaction_type,  # AUTO_TOP_UP for an auto top-up's pack
                now=now,
            )
        )
    return entries
