"""Wallet top-ups bought in the portal, and the merchant's promotional bonus on them.

A paid top-up posts two wallet entries, never one: the money the customer paid
(`top_up`) and the merchant's bonus on it (`promotional_bonus`, when the business's
rule for the currency gives one: "+10% on top-ups of $50.00 or more"). So paid and
promotional money are always told apart — in the dashboard's wallet tab, the portal,
the API's entries and the exports, which all show the entry type.

**A refund of a top-up takes back its bonus first.** The bonus was given for
topping up at least the rule's amount; any refund undoes that, so the whole bonus
not yet taken back is debited (`bonus_reversal`) together with the refunded money
(`top_up_refund`), in the refund's own transaction, before the gateway is asked.
The wallet never goes negative: when it no longer holds both (the customer spent
it), the refund is refused with `TopUpRefundExceedsWallet`, which says how much is
needed and how much is there. A refund the gateway then fails gives both back.
What was taken is kept on the refund's metadata (`wallet_taken`, `bonus_taken`), so
a second partial refund knows the bonus is gone.
"""

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.core.errors import DomainError
from customers.core.money import format_money
from customers.models import Business, Payment, Refund
from wallets.errors import InsufficientWalletFunds
from wallets.models import Direction, EventType, TopUpSettings, Wallet
from wallets.services import ledger_post, supported_currencies, wallet_supports

PURCHASE = "wallet_top_up"  # Payment.metadata["purchase"] of a top-up


class TopUpNotAllowed(DomainError):
    code = "TOP_UP_NOT_ALLOWED"
    status = 422
    default_message = _("Top-ups are not available for this currency.")


class TopUpRefundExceedsWallet(DomainError):
    code = "TOP_UP_REFUND_EXCEEDS_WALLET"
    status = 422
    default_message = _("The wallet no longer holds this top-up.")


def top_up_settings(business: Business, currency: str) -> TopUpSettings:
    """The business's rule for `currency` (the defaults, unsaved, when it set none)."""
    currency = currency.upper()
    found = TopUpSettings.objects.for_business(business).filter(currency=currency).first()
    return found or TopUpSettings(business=business, currency=currency)


def top_up_rules(business: Business) -> list[TopUpSettings]:
    """The enabled rules of every wallet currency, in the setting's order (one query)."""
    saved = {s.currency: s for s in TopUpSettings.objects.for_business(business)}
    rules = [
        saved.get(c) or TopUpSettings(business=business, currency=c) for c in supported_currencies()
    ]
    return [r for r in rules if r.enabled]


def top_up_settings_save(
    *,
    business: Business,
    currency: str,
    enabled: bool,
    min_amount: int,
    max_amount: int,
    bonus_percent: int,
    bonus_min_amount: int,
    actor: Actor,
) -> TopUpSettings:
    """Set the bounds and bonus of portal top-ups in one currency."""
    if not wallet_supports(currency):
        raise TopUpNotAllowed()
    with transaction.atomic():
        settings, _created = TopUpSettings.objects.update_or_create(
            business=business,
            currency=currency.upper(),
            defaults={
                "enabled": enabled,
                "min_amount": min_amount,
                "max_amount": max_amount,
                "bonus_percent": bonus_percent,
                "bonus_min_amount": bonus_min_amount,
            },
        )
        event_record(
            business,
            type="wallet.top_up_settings_updated",
            actor=actor,
            payload={
                "currency": settings.currency,
                "enabled": enabled,
                "min_amount": min_amount,
                "max_amount": max_amount,
                "bonus_percent": bonus_percent,
                "bonus_min_amount": bonus_min_amount,
            },
        )
    return settings


def top_up_check(settings: TopUpSettings, amount: int) -> None:
    """Raise TopUpNotAllowed with the reason `amount` cannot be topped up."""
    if not settings.enabled or not wallet_supports(settings.currency):
        raise TopUpNotAllowed()
    if not settings.min_amount <= amount <= settings.max_amount:
        raise TopUpNotAllowed(
            gettext("Top up between %(min)s and %(max)s.")
            % {
                "min": format_money(settings.min_amount, settings.currency),
                "max": format_money(settings.max_amount, settings.currency),
            }
        )


def bonus_label(settings: TopUpSettings) -> str:
    """ "+10% on top-ups of $50.00 or more" — empty when there is no bonus."""
    if not settings.bonus_percent:
        return ""
    return gettext("+%(percent)d%% on top-ups of %(amount)s or more") % {
        "percent": settings.bonus_percent,
        "amount": format_money(settings.bonus_min_amount, settings.currency),
    }


def top_up_credit(*, payment: Payment, actor: Actor) -> None:
    """Credit a succeeded top-up payment to the wallet: the paid money, then its
    bonus as an entry of its own (inside the caller's transaction; once per payment)."""
    common = {
        "business": payment.business,
        "customer": payment.customer,
        "currency": payment.currency,
        "direction": Direction.CREDIT,
        "reference_id": payment.pk,
        "actor": actor,
    }
    ledger_post(
        amount=payment.total_amount,
        event_type=EventType.TOP_UP,
        reason=f"Top-up {payment.pk}",
        idempotency_key=f"top_up:{payment.pk}",
        **common,
    )
    bonus = payment.metadata.get("bonus_amount", 0)
    if bonus:
        ledger_post(
            amount=bonus,
            event_type=EventType.PROMOTIONAL_BONUS,
            reason=f"Promotional bonus on top-up {payment.pk}",
            idempotency_key=f"top_up:{payment.pk}:bonus",
            **common,
        )


def is_top_up(payment: Payment) -> bool:
    return (payment.metadata or {}).get("purchase") == PURCHASE


def bonus_left(payment: Payment) -> int:
    """The top-up's bonus not yet taken back by a refund (pending or succeeded)."""
    taken = sum(
        (r.metadata or {}).get("bonus_taken", 0)
        for r in payment.refunds.filter(status__in=Refund.RESERVING)
    )
    return max(payment.metadata.get("bonus_amount", 0) - taken, 0)


def top_up_take_back(*, payment: Payment, refund: Refund, actor: Actor) -> None:
    """Debit what a refund of a top-up sends back: the bonus left first, then the
    refunded money (inside the refund's transaction, `payment` locked). Raises
    TopUpRefundExceedsWallet when the wallet no longer holds both; nothing is
    written then."""
    if refund.destination == Refund.Destination.WALLET:
        raise TopUpNotAllowed(_("A top-up can only be refunded to the card that paid it."))
    bonus = bonus_left(payment)
    needed = refund.amount + bonus
    wallet = (
        Wallet.objects.for_business(payment.business_id)
        .select_for_update()
        .filter(customer_id=payment.customer_id, currency=payment.currency)
        .first()
    )
    held = wallet.balance if wallet else 0
    refused = TopUpRefundExceedsWallet(
        gettext(
            "Refunding %(amount)s of this top-up takes %(needed)s from the wallet "
            "(its %(bonus)s bonus is taken back first), but the wallet holds %(held)s."
        )
        % {
            "amount": format_money(refund.amount, payment.currency),
            "needed": format_money(needed, payment.currency),
            "bonus": format_money(bonus, payment.currency),
            "held": format_money(held, payment.currency),
        }
    )
    if held < needed:
        raise refused
    common = {
        "business": payment.business,
        "customer": payment.customer,
        "currency": payment.currency,
        "direction": Direction.DEBIT,
        "reference_id": refund.pk,
        "actor": actor,
    }
    try:
        if bonus:
            ledger_post(
                amount=bonus,
                event_type=EventType.BONUS_REVERSAL,
                reason=f"Refund {refund.pk} of top-up {payment.pk}: bonus taken back",
                idempotency_key=f"refund:{refund.pk}:bonus",
                **common,
            )
        ledger_post(
            amount=refund.amount,
            event_type=EventType.TOP_UP_REFUND,
            reason=f"Refund {refund.pk} of top-up {payment.pk}",
            idempotency_key=f"refund:{refund.pk}:top_up",
            **common,
        )
    except InsufficientWalletFunds:
        raise refused from None
    refund.metadata = {**refund.metadata, "wallet_taken": refund.amount, "bonus_taken": bonus}
    refund.save(update_fields=["metadata"])


def top_up_give_back(*, refund: Refund, actor: Actor) -> None:
    """The gateway failed the refund: what it took from the wallet goes back, the
    paid money and the bonus as entries of their own (inside the caller's transaction)."""
    taken, bonus = refund.metadata.get("wallet_taken", 0), refund.metadata.get("bonus_taken", 0)
    common = {
        "business": refund.business,
        "customer": refund.customer,
        "currency": refund.currency,
        "direction": Direction.CREDIT,
        "reference_id": refund.pk,
        "actor": actor,
    }
    if taken:
        ledger_post(
            amount=taken,
            event_type=EventType.TOP_UP,
            reason=f"Refund {refund.pk} failed: top-up given back",
            idempotency_key=f"refund:{refund.pk}:top_up:back",
            **common,
        )
    if bonus:
        ledger_post(
            amount=bonus,
            event_type=EventType.PROMOTIONAL_BONUS,
            reason=f"Refund {refund.pk} failed: bonus given back",
            idempotency_key=f"refund:{refund.pk}:bonus:back",
            **common,
        )
    refund.metadata = {**refund.metadata, "wallet_taken": 0, "bonus_taken": 0}
    refund.save(update_fields=["metadata"])
