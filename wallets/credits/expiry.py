"""Expiry and rollover: a grant past its `expires_at` is closed — the allowed share
rolled into a new `rollover` grant, the rest expired or forfeited. Run by the beat
job (`credits_expire`, `manage.py credits_expire --now`) and, for one balance, before
every debit (so credits past their expiry are never spent)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor
from customers.models import add_interval
from wallets.credits.amounts import step
from wallets.credits.ledger import append, default_expiry, grant_into, spend
from wallets.credits.models import (
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    GrantSource,
    TransactionType,
)


def _rollover_expiry(entitlement: CreditEntitlement, start):
    """When rolled-over credits expire: counted from when their grant expired (not from
    when the job ran), so a late or down worker never lengthens their life."""
    if entitlement.rollover_timeframe_count:
        return add_interval(
            start,
            entitlement.rollover_timeframe_interval,
            entitlement.rollover_timeframe_count,
        )
    return default_expiry(entitlement, start)


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
        spend([(grant, share)], now)
        append(
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
        grant_into(
            balance,
            amount=share,
            transaction_type=TransactionType.CREDIT_ROLLED_OVER,
            source_type=GrantSource.ROLLOVER,
            source_id=grant.pk,
            expires_at=_rollover_expiry(entitlement, grant.expires_at),
            actor=actor,
            now=now,
            parent=grant,
            reference=("grant", grant.pk),
            event_type="credit.rolled_over",
        )
    if forfeit:
        spend([(grant, forfeit)], now)
        append(
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
