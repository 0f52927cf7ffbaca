"""The one operation that moves wallet money: `ledger_post`.

Dashboard forms, the API, refunds-to-wallet and subscription renewals all call it,
so the rules are enforced once. See `wallets.models` for the ledger's design.

Locking. The wallet row is changed by one conditional UPDATE … RETURNING:

    UPDATE wallets_wallet
       SET balance = balance + delta, last_sequence = last_sequence + 1, …
     WHERE business_id = … AND customer_id = … AND currency = …
       AND balance BETWEEN lo AND hi          -- lo = amount for a debit
    RETURNING id, balance, last_sequence

It takes the row lock, checks the balance and applies the change in one round
trip. `SELECT … FOR UPDATE` followed by an UPDATE is also correct but costs one
more round trip while holding the lock, and on a hot wallet the lock-hold time
is the throughput limit — so the conditional UPDATE is the faster choice. On
PostgreSQL the entry INSERT rides in the same statement (`WITH w AS (UPDATE …)
INSERT INTO wallets_ledgerentry … SELECT … FROM w`), and the audit Event is
inserted just before it (an insert takes no lock that others wait for), so the
row lock is held for that one statement and COMMIT — no longer than by the raw
SQL floor that `bench_ledger` measures. `created_at` is `clock_timestamp()`
under the lock, and `sequence` (the wallet's entry number) is the order that
counts. SQLite runs the UPDATE, then the INSERT. Both are correct under READ
COMMITTED: a waiting UPDATE re-evaluates its WHERE on the row as the previous
transaction left it, so two debits can never both spend the same money.

No row returned means the balance is out of range, the wallet does not exist
yet, or another transaction created it after this statement took its snapshot;
so the service makes sure the wallet exists (a credit creates it with INSERT …
ON CONFLICT DO NOTHING, a debit of a missing wallet is refused without writing
anything) and runs the statement once more, which now sees the committed row:
its answer is final (InsufficientWalletFunds for a debit, WalletBalanceLimit for
a credit that would pass 2**63−1).

Idempotency. A non-empty `idempotency_key` is unique per business (a partial
unique index). A replay first looks the key up: the same parameters (compared by
a SHA-256 fingerprint of customer, currency, amount, direction, event type,
reason and reference) return the original entry and post nothing; different
parameters raise `IdempotencyKeyReused`. Two concurrent requests with one key
both pass the lookup; the second one's INSERT waits on the unique index until
the first commits, then fails with IntegrityError, which rolls back its whole
savepoint (wallet UPDATE included) — and the lookup is repeated. If the first
one was a debit that spent the money (or a credit that filled the wallet), the
second one's UPDATE, after waiting for the row lock, matches no row instead; the
lookup is repeated then too, so it returns the first entry rather than raising
InsufficientWalletFunds. A request
whose first attempt was refused (e.g. insufficient funds) wrote nothing, so a
retry with the same key is tried afresh.
"""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.models import Business, Customer
from wallets.errors import (
    IdempotencyKeyReused,
    InsufficientWalletFunds,
    InvalidLedgerEntry,
    WalletBalanceLimit,
)
from wallets.models import MAX_MINOR_UNITS, Direction, EventType, LedgerEntry, Wallet

REASON_MAX_LENGTH = LedgerEntry._meta.get_field("reason").max_length
DESCRIPTION_MAX_LENGTH = LedgerEntry._meta.get_field("description").max_length
REFERENCE_MAX_LENGTH = LedgerEntry._meta.get_field("reference_id").max_length
IDEMPOTENCY_KEY_MAX_LENGTH = LedgerEntry._meta.get_field("idempotency_key").max_length

_UPDATE = (
    f"UPDATE {Wallet._meta.db_table} SET balance = balance + %s, "
    "last_sequence = last_sequence + 1, updated_at = %s "
    "WHERE business_id = %s AND customer_id = %s AND currency = %s "
    "AND balance >= %s AND balance <= %s "
    "RETURNING id, balance, last_sequence"
)
# The entry's columns, from the model, so the SQL below follows the model. These
# come from the wallet row the UPDATE returned; every other column is a parameter.
_ENTRY_FIELDS = LedgerEntry._meta.concrete_fields
_FROM_WALLET = {
    "wallet_id": "w.id",
    "sequence": "w.last_sequence",
    "balance_before": "w.balance - %s",  # the parameter is the delta
    "balance_after": "w.balance",
    "created_at": "clock_timestamp()",  # after the row lock is taken
}
_COLUMNS = ", ".join(f.column for f in _ENTRY_FIELDS)
# PostgreSQL: UPDATE and INSERT in one statement (a data-modifying CTE).
_UPDATE_AND_INSERT = (
    f"WITH w AS ({_UPDATE}) "
    f"INSERT INTO {LedgerEntry._meta.db_table} ({_COLUMNS}) "
    f"SELECT {', '.join(_FROM_WALLET.get(f.column, '%s') for f in _ENTRY_FIELDS)} FROM w "
    "RETURNING wallet_id, balance_after, sequence, created_at"
)
# Elsewhere (SQLite): the UPDATE, then this INSERT.
_INSERT = (
    f"INSERT INTO {LedgerEntry._meta.db_table} ({_COLUMNS}) "
    f"VALUES ({', '.join(['%s'] * len(_ENTRY_FIELDS))})"
)


def supported_currencies() -> list[str]:
    return [c.upper() for c in settings.WALLET_CURRENCIES]


def wallet_supports(currency: str) -> bool:
    """Whether customer wallets hold `currency` (any case)."""
    return currency.upper() in supported_currencies()


def _entry(
    *,
    business: Business,
    customer: Customer,
    currency,
    amount,
    direction,
    event_type,
    reason,
    reference_id,
    idempotency_key,
    actor: Actor,
    description: str,
) -> LedgerEntry:
    """The entry a request asks for, every parameter checked and normalised, with
    the request's fingerprint; not saved (its wallet, sequence and balances are not
    known until the wallet row is updated)."""
    if customer.business_id != business.pk:
        raise InvalidLedgerEntry(_("This customer belongs to another business."), field="customer")
    if not isinstance(currency, str) or currency.strip().upper() not in supported_currencies():
        raise InvalidLedgerEntry(
            _("Wallets hold %(currencies)s only.")
            % {"currencies": ", ".join(supported_currencies())},
            field="currency",
        )
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InvalidLedgerEntry(
            _("The amount must be a whole number of minor units (cents, paise)."),
            field="amount",
        )
    if amount <= 0:
        raise InvalidLedgerEntry(_("The amount must be greater than zero."), field="amount")
    if amount > MAX_MINOR_UNITS:
        raise InvalidLedgerEntry(_("The amount is too large."), field="amount")
    if direction not in Direction.values:
        raise InvalidLedgerEntry(_("The entry must be a credit or a debit."), field="direction")
    if event_type not in EventType.values:
        raise InvalidLedgerEntry(_("Unknown event type."), field="event_type")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidLedgerEntry(
            _("The reason can be at most %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            field="reason",
        )
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidLedgerEntry(
            _("The description can be at most %(n)d characters.") % {"n": DESCRIPTION_MAX_LENGTH},
            field="description",
        )
    reference_id = (reference_id or "").strip()
    if len(reference_id) > REFERENCE_MAX_LENGTH:
        raise InvalidLedgerEntry(_("The reference is too long."), field="reference_id")
    key = idempotency_key or ""
    if not isinstance(key, str) or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidLedgerEntry(
            _("The idempotency key must be text of at most %(n)d characters.")
            % {"n": IDEMPOTENCY_KEY_MAX_LENGTH},
            field="idempotency_key",
        )
    currency = currency.strip().upper()
    fingerprint = request_fingerprint(
        customer.pk, currency, amount, direction, event_type, reason, reference_id, description
    )
    return LedgerEntry(
        business=business,
        customer=customer,
        currency=currency,
        direction=direction,
        event_type=event_type,
        amount=amount,
        reason=reason,
        description=description,
        reference_id=reference_id,
        idempotency_key=key,
        request_fingerprint=fingerprint,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
    )


def request_fingerprint(
    customer_id: str,
    currency: str,
    amount: int,
    direction: str,
    event_type: str,
    reason: str,
    reference_id: str,
    description: str = "",
) -> str:
    """A stable hash of what a request asks for, to tell a replay from a key reuse:
    the request's values in this order, as JSON, through SHA-256. A description is
    appended only when given, so entries posted before it existed keep their hash."""
    values = [customer_id, currency, amount, direction, event_type, reason, reference_id]
    canonical = json.dumps(
        values + ([description] if description else []),
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(request: LedgerEntry) -> LedgerEntry | None:
    """The entry the request's key already posted, if the request is the same (by
    fingerprint); an error if it was another; None if the key is new."""
    entries = LedgerEntry.objects.for_business(request.business_id)
    entry = entries.filter(idempotency_key=request.idempotency_key).first()
    if entry is not None and entry.request_fingerprint != request.request_fingerprint:
        raise IdempotencyKeyReused(entry=entry)
    return entry


def _update_and_insert(*, wallet_params: list, entry: LedgerEntry, delta: int) -> bool:
    """Apply the conditional UPDATE and, if it matched, insert `entry` (whose
    wallet, sequence, balances and time are filled in). False if no row matched."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = [
                delta
                if f.column == "balance_before"
                else f.get_db_prep_save(getattr(entry, f.attname), connection)
                for f in _ENTRY_FIELDS
                if f.column not in _FROM_WALLET or f.column == "balance_before"
            ]
            cursor.execute(_UPDATE_AND_INSERT, [*wallet_params, *params])
            row = cursor.fetchone()
            if row is None:
                return False
            entry.wallet_id, entry.balance_after, entry.sequence, entry.created_at = row
            entry.balance_before = entry.balance_after - delta
            return True
        cursor.execute(_UPDATE, wallet_params)
        row = cursor.fetchone()
        if row is None:
            return False
        entry.wallet_id, entry.balance_after, entry.sequence = row
        entry.balance_before = entry.balance_after - delta
        entry.created_at = timezone.now()  # under the row lock
        cursor.execute(
            _INSERT,
            [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS],
        )
        return True


def ledger_post(
    *,
    business: Business,
    customer: Customer,
    currency: str,
    amount: int,
    direction: str,
    event_type: str,
    reason: str,
    reference_id: str = "",
    actor: Actor,
    idempotency_key: str | None = None,
    description: str = "",
) -> LedgerEntry:
    """Credit or debit a customer's wallet, in one transaction, exactly once per key.

    `amount` is in minor units (> 0); `direction` is "credit" or "debit". Raises
    `InvalidLedgerEntry` (bad input), `InsufficientWalletFunds` (debit above the
    balance), `WalletBalanceLimit` (credit past 2**63−1) or `IdempotencyKeyReused`;
    nothing is written when it raises. Returns the new entry, or the original one
    for a replay of the same request with the same key.
    """
    entry = _entry(
        business=business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction=direction,
        event_type=event_type,
        reason=reason,
        reference_id=reference_id,
        idempotency_key=idempotency_key,
        actor=actor,
        description=description,
    )
    key = entry.idempotency_key
    if key and (existing := _replay(entry)):
        return existing
    try:
        with transaction.atomic():
            return _post(entry, actor)
    except (IntegrityError, InsufficientWalletFunds, WalletBalanceLimit):
        # A concurrent request with the same key committed first: its INSERT made
        # ours fail on the unique index, or — for a debit that spent the money, or
        # a credit that filled the wallet — our UPDATE, which waited for its row
        # lock, no longer matched. Either way the first request's entry is the answer.
        if key and (existing := _replay(entry)):
            return existing
        raise


def _insufficient(currency: str, balance: int) -> InsufficientWalletFunds:
    return InsufficientWalletFunds(
        _("The %(currency)s wallet holds less than this debit.") % {"currency": currency},
        balance=balance,
        currency=currency,
    )


def _post(entry: LedgerEntry, actor: Actor) -> LedgerEntry:
    """Apply `entry` to its wallet and insert it (creating the wallet on a first
    credit); raise when the balance would leave its range."""
    business, customer, currency = entry.business, entry.customer, entry.currency
    amount, direction = entry.amount, entry.direction
    now = timezone.now()
    if direction == Direction.CREDIT:
        delta, lo, hi = amount, 0, MAX_MINOR_UNITS - amount
    else:
        delta, lo, hi = -amount, amount, MAX_MINOR_UNITS
    wallet_params = [delta, now, business.pk, customer.pk, currency, lo, hi]
    if not _update_and_insert(wallet_params=wallet_params, entry=entry, delta=delta):
        # No row matched: the balance is out of range, the wallet does not exist
        # yet, or it was created by a transaction that committed after this
        # statement took its snapshot. Make sure it exists, then try once more:
        # the second UPDATE sees the committed row, so its answer is final.
        wallets = Wallet.objects.for_business(business).filter(customer=customer, currency=currency)
        if not wallets.exists():
            if direction == Direction.DEBIT:
                raise _insufficient(currency, 0)
            # First credit in this currency; a concurrent first credit may create it
            # too, hence ON CONFLICT DO NOTHING.
            Wallet.objects.bulk_create(
                [
                    Wallet(
                        business=business,
                        customer=customer,
                        currency=currency,
                        created_at=now,
                        updated_at=now,
                    )
                ],
                ignore_conflicts=True,
            )
        if not _update_and_insert(wallet_params=wallet_params, entry=entry, delta=delta):
            if direction == Direction.DEBIT:
                raise _insufficient(
                    currency, wallets.values_list("balance", flat=True).first() or 0
                )
            raise WalletBalanceLimit()
    # The audit Event comes last, once the entry knows its balances: the webhook
    # outbox (the `event_recorded` receiver) snapshots the entry and the wallet after
    # it. If the post is refused, nothing is recorded and the transaction rolls back.
    event_record(
        entry,
        type=f"wallet.{direction}ed",
        actor=actor,
        payload={
            "customer_id": customer.pk,
            "currency": currency,
            "amount": amount,
            "direction": direction,
            "event_type": entry.event_type,
            "reason": entry.reason,
            "reference_id": entry.reference_id,
        },
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry
