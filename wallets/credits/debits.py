"""A debit's reads and writes, shaped for its hot path (`credit_debit` calls them
holding nothing yet, inside its transaction).

On PostgreSQL a debit is two statements of its own: `lock_for_debit` locks the
balance and reads its first FIFO grants in one round trip (again, under the lock, if
the lock had to wait), and `debit_append` spends the grants, inserts the entry and its
allocations and updates the balance in one statement (data-modifying CTEs); then the
Event and its outbox look-up. Every constraint and trigger of the ledger applies to
these rows as to the ORM's. Elsewhere (SQLite) the same rows are written by the ORM's
steps (`wallets.credits.ledger`).
"""

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.db.models import F

from customers.audit import Actor, event_record
from wallets.credits.ledger import EVENT_TYPE, lock_balance, next_entry, payload, spend
from wallets.credits.models import (
    CreditAllocation,
    CreditBalance,
    CreditGrant,
    CreditLedgerEntry,
)

B, G = CreditBalance._meta.db_table, CreditGrant._meta.db_table
E, A = CreditLedgerEntry._meta.db_table, CreditAllocation._meta.db_table
FIFO_BATCH = 20  # grants read at once; a debit spanning more reads the rest


class Lot(NamedTuple):
    """A spendable grant as a debit reads it (what FIFO needs, no model instance)."""

    pk: str
    remaining_amount: int  # 1/1000 credits
    expires_at: dt.datetime | None


# PostgreSQL: lock the balance and read its first FIFO grants in one round trip. The
# grants (and `seen`, the balance's last_sequence) are read in the statement's
# snapshot, taken before the lock; if the lock had to wait for another writer, that
# snapshot is older than the locked row — every change to a balance's grants appends
# an entry, so `seen <> last_sequence` tells, and the grants are read again (a new
# statement, a new snapshot, the lock held).
_LOCK_AND_FIFO = f"""
WITH locked AS MATERIALIZED (
    SELECT id, balance, overage, last_sequence, alerted_threshold, created_at,
           updated_at, last_transaction_at, auto_top_up_below
      FROM {B} WHERE business_id = %s AND entitlement_id = %s AND customer_id = %s
       FOR UPDATE)
SELECT l.id, l.balance, l.overage, l.last_sequence, l.alerted_threshold, l.created_at,
       l.updated_at, l.last_transaction_at, l.auto_top_up_below,
       (SELECT s.last_sequence FROM {B} s WHERE s.id = l.id),
       g.id, g.remaining_amount, g.expires_at
  FROM locked l
  LEFT JOIN LATERAL (
        SELECT id, remaining_amount, expires_at FROM {G}
         WHERE credit_balance_id = l.id AND remaining_amount > 0
         ORDER BY expires_at ASC NULLS LAST, created_at, id LIMIT {FIFO_BATCH}) g ON TRUE
"""


def fifo(balance: CreditBalance, start: int = 0, stop: int | None = None) -> list:
    """The balance's spendable grants in the order they are spent (the creditgrant_fifo
    index's order), from `start` to `stop`."""
    grants = CreditGrant.objects.filter(credit_balance=balance, remaining_amount__gt=0)
    ordered = grants.order_by(F("expires_at").asc(nulls_last=True), "created_at", "id")
    return list(ordered[start:stop])


def lock_for_debit(business, entitlement, customer, now) -> tuple[CreditBalance, list]:
    """Lock (or create) the balance and read its first FIFO_BATCH spendable grants."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_AND_FIFO, [business.pk, entitlement.pk, customer.pk])
            rows = cursor.fetchall()
        if rows:
            first = rows[0]
            balance = CreditBalance(
                id=first[0],
                business_id=business.pk,
                entitlement_id=entitlement.pk,
                customer_id=customer.pk,
                balance=first[1],
                overage=first[2],
                last_sequence=first[3],
                alerted_threshold=first[4],
                created_at=first[5],
                updated_at=first[6],
                last_transaction_at=first[7],
                auto_top_up_below=first[8],
            )
            balance._state.adding = False
            balance.entitlement = entitlement
            if first[9] == first[3]:
                return balance, [Lot(*row[10:]) for row in rows if row[10] is not None]
            return balance, fifo(balance, 0, FIFO_BATCH)  # read before the lock: again
    balance = lock_balance(business, entitlement, customer, now)
    return balance, fifo(balance, 0, FIFO_BATCH)


_ENTRY_FIELDS = CreditLedgerEntry._meta.concrete_fields
_ENTRY_INSERT = (
    f"INSERT INTO {E} ({', '.join(f.column for f in _ENTRY_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_ENTRY_FIELDS))})"
)
_BALANCE_UPDATE = (
    f"UPDATE {B} SET balance = %s, overage = %s, last_sequence = %s, updated_at = %s, "
    "last_transaction_at = %s WHERE id = %s"
)


def _debit_statement(n: int) -> str:
    """Spend n grants, insert the entry and its n allocations, update the balance: one
    statement (data-modifying CTEs; the allocations' foreign keys are checked at
    commit, the ledger's constraints and triggers on every row as ever)."""
    if not n:
        return f"WITH e AS ({_ENTRY_INSERT}) {_BALANCE_UPDATE}"
    pairs = ", ".join(["(%s, %s::bigint)"] * n)
    spend_sql = (
        f"UPDATE {G} g SET remaining_amount = g.remaining_amount - v.n, updated_at = %s "
        f"FROM (VALUES {pairs}) AS v(id, n) WHERE g.id = v.id"
    )
    allocate_sql = f"INSERT INTO {A} (business_id, entry_id, grant_id, amount) VALUES " + ", ".join(
        ["(%s, %s, %s, %s)"] * n
    )
    return (
        f"WITH s AS ({spend_sql}), e AS ({_ENTRY_INSERT}), a AS ({allocate_sql}) {_BALANCE_UPDATE}"
    )


def debit_append(
    balance: CreditBalance, *, allocations: list, actor: Actor, now, **fields
) -> CreditLedgerEntry:
    """A debit on the locked `balance`: spend its `allocations` ([(grant or Lot, n)]),
    append its entry and their allocation rows, save the balance, record the Event.
    On PostgreSQL the writes are one statement; elsewhere the ORM's steps."""
    entry = next_entry(
        balance,
        is_credit=False,
        grant_id=allocations[0][0].pk if allocations else None,
        actor=actor,
        now=now,
        **fields,
    )
    if connection.vendor == "postgresql":
        params = [] if not allocations else [now]
        for grant, n in allocations:
            params += [grant.pk, n]
        params += [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
        for grant, n in allocations:
            params += [balance.business_id, entry.pk, grant.pk, n]
        params += [balance.balance, balance.overage, balance.last_sequence, now, now, balance.pk]
        with connection.cursor() as cursor:
            cursor.execute(_debit_statement(len(allocations)), params)
    else:
        spend(allocations, now)
        entry.save(force_insert=True)
        CreditAllocation.objects.bulk_create(
            [
                CreditAllocation(
                    business_id=balance.business_id, entry=entry, grant_id=g.pk, amount=n
                )
                for g, n in allocations
            ]
        )
        balance.save()
    entry._state.adding = False
    if event_type := EVENT_TYPE.get(entry.transaction_type):
        event_record(entry, type=event_type, actor=actor, payload=payload(entry, balance))
    return entry
