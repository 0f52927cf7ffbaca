"""Overage at the end of a billing period: what a subscription's renewal does with the
overage its customer ran up on the credits its product grants (`ProductCredit`).

Each entitlement's `overage_behavior` (Dodo's CbbOverageBehavior) decides, when the
renewal payment succeeds:

* `forgive_at_reset` — the overage is forgiven: an `overage_reset` entry takes it to 0
  (Event `credit.overage_reset`), before the period's grant, which then lands whole.
* `invoice_at_billing` — the overage × `price_per_unit` is added to the renewal charge
  as its own part (`overage_charges`, in the Payment's metadata and on its invoice).
  When the payment succeeds an `overage_charged` entry clears the overage it paid for
  (Event and webhook `credit.overage_charged`). It is invoiced only in the
  subscription's currency: an entitlement priced in another currency, or with no
  price, is not converted or guessed but carried (as `carry_deficit`), and the
  Payment's metadata says why (`overage_not_invoiced:<entitlement>`).
* `carry_deficit` — the overage stays; the period's new grant repays it first (every
  grant does: `wallets.credits.ledger.grant_into`).
* `carry_deficit_auto_repay` — the same here: "auto repay" means the next grant repays
  the deficit by itself; nothing is charged for it.

A failed renewal changes nothing (the overage stays until a charge of the period
succeeds). Every entry carries an idempotency key naming the payment, so recording a
payment's outcome twice writes nothing new. Overage entries are credits that leave the
balance as it was and take no grant (no allocation): `verify_ledgers` checks that shape.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor
from customers.core.money import MAX_MINOR_UNITS, minor_digits
from customers.models import Payment, Subscription
from wallets.credits.amounts import credits_text
from wallets.credits.ledger import append, lock_balance
from wallets.credits.models import (
    MILLI,
    CreditBalance,
    CreditEntitlement,
    OverageBehavior,
    ProductCredit,
    TransactionType,
)

# Payment metadata keys (flat, as the API contract's metadata is).
TOTAL_KEY = "overage_amount"  # minor units of the whole charge that are overage
SKIPPED_KEY = "overage_not_invoiced:{}"  # why an entitlement's overage was not invoiced


def _key(entitlement_id: str, part: str) -> str:
    return f"overage:{entitlement_id}:{part}"


@dataclass(frozen=True)
class OverageCharge:
    """One entitlement's overage as a part of a renewal charge."""

    entitlement_id: str
    credits: int  # 1/1000 credits charged for (as decimal text in the metadata)
    price: Decimal  # per credit, in the currency's major unit, at charge time
    amount: int  # minor units


def _granted(product_id: str, business_id: str):
    return ProductCredit.objects.filter(
        business_id=business_id, product_id=product_id, entitlement__deleted_at__isnull=True
    ).select_related("entitlement")


def overage_price(credits: int, price: Decimal, currency: str) -> int:
    """`credits` thousandths at `price` per credit, in minor units (half up)."""
    with localcontext() as ctx:
        ctx.prec = 80
        value = Decimal(credits) * price * 10 ** minor_digits(currency) / MILLI
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def overage_charges(*, subscription: Subscription) -> tuple[list[OverageCharge], dict]:
    """What a charge of `subscription`'s period invoices for overage now: the charges
    and the Payment metadata that records them (and any overage it cannot invoice)."""
    links = {
        link.entitlement_id: link.entitlement
        for link in _granted(subscription.product_id, subscription.business_id)
        if link.entitlement.overage_behavior == OverageBehavior.INVOICE_AT_BILLING
    }
    if not links:
        return [], {}
    owed = CreditBalance.objects.filter(
        business_id=subscription.business_id,
        customer_id=subscription.customer_id,
        entitlement_id__in=links,
        overage__gt=0,
    ).order_by("entitlement_id")
    charges, metadata, total = [], {}, 0
    for entitlement_id, overage in owed.values_list("entitlement_id", "overage"):
        entitlement: CreditEntitlement = links[entitlement_id]
        reason = ""
        if entitlement.price_per_unit is None:
            reason = "no_price"
        elif entitlement.currency != subscription.currency:
            reason = "currency"
        else:
            amount = overage_price(overage, entitlement.price_per_unit, subscription.currency)
            if total + amount + subscription.renewal_amount > MAX_MINOR_UNITS:
                reason = "too_large"
        if reason:
            metadata[SKIPPED_KEY.format(entitlement_id)] = reason
            continue
        charge = OverageCharge(entitlement_id, overage, entitlement.price_per_unit, amount)
        charges.append(charge)
        total += amount
        metadata[_key(entitlement_id, "credits")] = credits_text(overage, entitlement.precision)
        metadata[_key(entitlement_id, "price")] = str(charge.price.normalize())
        metadata[_key(entitlement_id, "amount")] = amount
    if charges:
        metadata[TOTAL_KEY] = total
    return charges, metadata


def charges_of(payment: Payment) -> list[OverageCharge]:
    """The overage parts a payment's metadata records (oldest entitlement id first)."""
    metadata = payment.metadata or {}
    found = []
    for name, credits in metadata.items():
        if name.startswith("overage:") and name.endswith(":credits"):
            entitlement_id = name.split(":")[1]
            found.append(
                OverageCharge(
                    entitlement_id,
                    int(Decimal(credits) * MILLI),
                    Decimal(metadata[_key(entitlement_id, "price")]),
                    int(metadata[_key(entitlement_id, "amount")]),
                )
            )
    return sorted(found, key=lambda c: c.entitlement_id)


def credits_overage_settle(
    *, payment: Payment, actor: Actor, now: dt.datetime | None = None
) -> list:
    """At a succeeded renewal (or dunning) payment of a subscription, before the
    period's credits are granted: clear the overage the payment charged for, forgive
    the overage of `forgive_at_reset` entitlements, leave the rest to the grant. Call it
    in the transaction that marks the payment succeeded; safe to call twice."""
    if payment.subscription_id is None:
        return []
    now = now or timezone.now()
    charged = {c.entitlement_id: c for c in charges_of(payment)}
    entries = []
    for link in _granted(payment.product_id, payment.business_id):
        entitlement = link.entitlement
        charge = charged.pop(entitlement.pk, None)
        if charge is not None:
            entries.append(_settle(payment, entitlement, charge, actor, now))
        elif entitlement.overage_behavior == OverageBehavior.FORGIVE_AT_RESET:
            entries.append(_settle(payment, entitlement, None, actor, now))
    # Charged for, then detached from the product (or deleted) before the charge came
    # back: the customer paid for that overage, so it is still cleared.
    for entitlement in CreditEntitlement.objects.filter(pk__in=charged):
        entries.append(_settle(payment, entitlement, charged[entitlement.pk], actor, now))
    return [entry for entry in entries if entry is not None]


def _settle(payment, entitlement, charge: OverageCharge | None, actor, now):
    """One balance: an `overage_charged` entry for what `charge` paid for, or (no
    charge) an `overage_reset` of all of it. None when there is nothing to clear."""
    kind = TransactionType.OVERAGE_CHARGED if charge else TransactionType.OVERAGE_RESET
    key = f"{kind}:{payment.pk}:{entitlement.pk}"
    balances = CreditBalance.objects.filter(
        business_id=payment.business_id, customer_id=payment.customer_id, entitlement=entitlement
    )
    with transaction.atomic():
        if not balances.filter(overage__gt=0).exists():
            return None  # nothing owed: nothing to lock or write (also a replay's answer)
        balance = lock_balance(payment.business, entitlement, payment.customer, now)
        # While the charge was out a grant may have repaid part of it: clear what is left.
        cleared = min(charge.credits, balance.overage) if charge else balance.overage
        if cleared <= 0 or balance.entries.filter(idempotency_key=key).exists():
            return None
        metadata = {"payment_id": payment.pk}
        if charge:
            metadata |= {
                "amount": charge.amount,
                "currency": payment.currency,
                "price_per_unit": str(charge.price.normalize()),
            }
        entry = append(
            balance,
            is_credit=True,
            amount=cleared,
            balance_delta=0,
            overage_delta=-cleared,
            transaction_type=kind,
            grant=None,
            allocations=[],
            actor=actor,
            now=now,
            reason=f"Payment {payment.pk}",
            metadata=metadata,
            reference=("payment", payment.pk),
            key=key,
        )
        balance.save()
        return entry
