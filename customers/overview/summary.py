"""The money summary that leads a customer's details page: what they paid and got
back (the kept CustomerSpend figures), their active subscriptions and MRR, their
wallet balances and their last payment. Four small queries, each bounded by one
customer's rows."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from customers.core.prepared import prepared
from customers.models import Customer, CustomerSpend, Payment, Subscription
from wallets.models import Wallet


@dataclass
class MoneySummary:
    spend: list[CustomerSpend]  # per currency: paid, refunded, net
    mrr: dict[str, int] = field(default_factory=dict)  # currency → minor units per month
    active_subscriptions: int = 0
    wallets: list[Wallet] = field(default_factory=list)  # balances, by currency
    last_payment: Payment | None = None


def customer_money(customer: Customer) -> MoneySummary:
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    summary = MoneySummary(spend=_spend(**ids))
    for sub in _active_subscriptions(**ids):
        summary.active_subscriptions += 1
        summary.mrr[sub.currency] = summary.mrr.get(sub.currency, 0) + sub.monthly_amount
    summary.mrr = dict(sorted(summary.mrr.items()))
    summary.wallets = _wallets_with_balance(**ids)
    last_payment = _last_payment(**ids)
    summary.last_payment = last_payment[0] if last_payment else None
    return summary


# Each read below is prepared (customers.core.prepared): every details page makes them.


@prepared("business_id", "customer_id")
def _spend(*, business_id: str, customer_id: str) -> QuerySet[CustomerSpend]:
    spend = CustomerSpend.objects.filter(business_id=business_id, customer_id=customer_id)
    return spend.exclude(paid=0, refunded=0).order_by("currency")


@prepared("business_id", "customer_id")
def _active_subscriptions(*, business_id: str, customer_id: str) -> QuerySet[Subscription]:
    return (
        Subscription.objects.for_business(business_id)
        .filter(customer_id=customer_id, status=Subscription.Status.ACTIVE)
        .only(
            "currency",
            "recurring_pre_tax_amount",
            "payment_frequency_count",
            "payment_frequency_interval",
        )
    )


@prepared("business_id", "customer_id")
def _wallets_with_balance(*, business_id: str, customer_id: str) -> QuerySet[Wallet]:
    wallets = Wallet.objects.filter(business_id=business_id, customer_id=customer_id)
    return wallets.exclude(balance=0).order_by("currency")


@prepared("business_id", "customer_id")
def _last_payment(*, business_id: str, customer_id: str) -> QuerySet[Payment]:
    return (
        Payment.objects.for_business(business_id)
        .filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .only("id", "status", "total_amount", "currency", "created_at", "customer_id")[:1]
    )
