"""Auto top-up of credits: when a balance falls below the customer's threshold,
buy their chosen pack with the saved method, at most N times a calendar month.

`auto_top_up_crossing` runs inside the debit's transaction (the `credit.deducted`
Event's receiver, `auto_top_up_trigger`): if the debit crossed the threshold
(`balance_before ≥ threshold > balance_after`, as low-balance alerts count a
crossing) it writes one `CreditAutoTopUpRun`, and the trigger enqueues
`auto_top_up_run` after commit. The model's constraints (`wallets.credits.models.
auto_top_up`) make a crossing buy at most once, one run be in flight per rule, and
the month's runs stay within the limit. `auto_top_up_run` is the Celery task's
body: safe twice (a finished run is left alone; the purchase's key is the run's),
it buys through `purchases.purchase_charge` like the portal does.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.billing import purchases
from customers.billing.gateway import PaymentGateway
from customers.core.errors import DomainError
from customers.models import Customer, Product
from wallets.credits.amounts import credits_text, step
from wallets.credits.ledger import lock_balance
from wallets.credits.models import (
    CreditAutoTopUp,
    CreditAutoTopUpRun,
    CreditEntitlement,
    CreditLedgerEntry,
)
from wallets.credits.models.auto_top_up import MAX_MONTHLY

logger = logging.getLogger(__name__)


class InvalidAutoTopUp(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("This auto top-up is not valid.")


def month_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date().replace(day=1)


def auto_top_up_packs(entitlement: CreditEntitlement):
    """The packs on sale that grant `entitlement`."""
    return purchases.credit_packs(entitlement.business_id).filter(credits__entitlement=entitlement)


def auto_top_up_set(
    *,
    customer: Customer,
    entitlement: CreditEntitlement,
    product: Product,
    threshold: int,
    monthly_limit: int,
    enabled: bool,
    actor: Actor,
) -> CreditAutoTopUp:
    """Create or change the customer's auto top-up of `entitlement` (`threshold` in
    thousandths of a credit)."""
    if entitlement.business_id != customer.business_id or entitlement.is_deleted:
        raise InvalidAutoTopUp(_("This credit is not available."))
    if not auto_top_up_packs(entitlement).filter(pk=product.pk).exists():
        raise InvalidAutoTopUp(_("Choose a credit pack that adds this credit."))
    if threshold <= 0 or threshold % step(entitlement.precision):
        raise InvalidAutoTopUp(_("Enter the balance below which to buy."))
    if not 1 <= monthly_limit <= MAX_MONTHLY:
        raise InvalidAutoTopUp(_("Choose between 1 and 31 top-ups a month."))
    with transaction.atomic():
        balance = lock_balance(customer.business, entitlement, customer, timezone.now())
        balance.auto_top_up_below = threshold if enabled else None
        balance.save(update_fields=["auto_top_up_below"])
        rule, _created = CreditAutoTopUp.objects.update_or_create(
            business_id=customer.business_id,
            customer=customer,
            entitlement=entitlement,
            defaults={
                "product": product,
                "threshold": threshold,
                "monthly_limit": monthly_limit,
                "enabled": enabled,
                "set_by": actor.kind,
            },
        )
        event_record(
            customer,
            type="credit.auto_top_up_updated",
            actor=actor,
            payload={
                "credit_entitlement_id": entitlement.pk,
                "product_id": product.pk,
                "threshold": credits_text(threshold, entitlement.precision),
                "monthly_limit": monthly_limit,
                "enabled": enabled,
            },
        )
    return rule


def runs_this_month(rule: CreditAutoTopUp, now: dt.datetime) -> int:
    return CreditAutoTopUpRun.objects.filter(rule=rule, month=month_of(now)).count()


def auto_top_up_crossing(entry: CreditLedgerEntry) -> CreditAutoTopUpRun | None:
    """After a debit (inside its transaction, its balance locked): the run this
    crossing starts, or None (no rule, no crossing, one in flight, month used up).

    The balance carries the rule's threshold (`auto_top_up_below`), so a debit that
    crosses nothing costs no query here."""
    below = entry.credit_balance.auto_top_up_below
    if below is None or not entry.balance_before >= below > entry.balance_after:
        return None
    rule = CreditAutoTopUp.objects.filter(
        business_id=entry.business_id,
        customer_id=entry.customer_id,
        entitlement_id=entry.entitlement_id,
        enabled=True,
    ).first()
    if rule is None or not entry.balance_before >= rule.threshold > entry.balance_after:
        return None
    if CreditAutoTopUpRun.objects.filter(rule=rule, status="queued").exists():
        return None  # the pack being bought covers this crossing too
    month = month_of(entry.created_at)
    used = CreditAutoTopUpRun.objects.filter(rule=rule, month=month).count()
    if used >= rule.monthly_limit:
        logger.info("auto top-up %s: monthly limit %s reached", rule.pk, rule.monthly_limit)
        return None
    try:
        with transaction.atomic():  # a savepoint: the debit stands whatever happens here
            return CreditAutoTopUpRun.objects.create(
                business_id=entry.business_id,
                rule=rule,
                crossing_entry=entry,
                month=month,
                slot=used + 1,
                created_at=entry.created_at,
            )
    except IntegrityError:
        return None  # another run holds this crossing or this slot


def _fail(run: CreditAutoTopUpRun, code: str, now, actor) -> str:
    with transaction.atomic():
        updated = CreditAutoTopUpRun.objects.filter(pk=run.pk, status="queued").update(
            status=CreditAutoTopUpRun.Status.FAILED, error_code=code, finished_at=now
        )
        if updated:
            event_record(
                run.rule.customer,
                type="credit.auto_top_up_failed",
                actor=actor,
                payload={"credit_entitlement_id": run.rule.entitlement_id, "error_code": code},
            )
    return "failed"


def auto_top_up_run(*, run_id: int, gateway: PaymentGateway, now: dt.datetime | None = None) -> str:
    """Buy the pack for one run ("succeeded", "failed", "pending", or "done" when the
    run was already finished)."""
    now = now or timezone.now()
    actor = Actor.system("auto_top_up")
    run = CreditAutoTopUpRun.objects.select_related(
        "rule__customer__business", "rule__product", "rule__entitlement"
    ).get(pk=run_id)
    if run.status != CreditAutoTopUpRun.Status.QUEUED:
        return "done"
    rule = run.rule
    if not rule.enabled:
        return _fail(run, "auto_top_up_off", now, actor)
    try:
        bought = purchases.purchase_charge(
            customer=rule.customer,
            kind=purchases.AUTO_TOP_UP,
            product=rule.product,
            idempotency_key=f"auto_top_up:{run.pk}",
            gateway=gateway,
            actor=actor,
            auto_top_up_run=run,
            now=now,
        )
    except purchases.PaymentMethodRequired:
        return _fail(run, "payment_method_missing", now, actor)
    except purchases.NotACreditPack:
        return _fail(run, "not_for_sale", now, actor)
    return bought.outcome
