"""The money summary that leads a customer's details page: what they paid and got
back (the kept CustomerSpend figures), their active subscriptions and MRR, their
wallet balances and their last payment. Four small queries, each bounded by one
customer's rows."""

from dataclasses import dataclass, field

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
    spend = list(
        CustomerSpend.objects.filter(customer=customer)
        .exclude(paid=0, refunded=0)
        .order_by("currency")
    )
    active = (
        Subscription.objects.for_business(customer.business_id)
        .filter(customer=customer, status=Subscription.Status.ACTIVE)
        .only(
            "currency",
            "recurring_pre_tax_amount",
            "payment_frequency_count",
            "payment_frequency_interval",
        )
    )
    summary = MoneySummary(spend=spend)
    for sub in active:
        summary.active_subscriptions += 1
        summary.mrr[sub.currency] = summary.mrr.get(sub.currency, 0) + sub.monthly_amount
    summary.mrr = dict(sorted(summary.mrr.items()))
    summary.wallets = list(
        Wallet.objects.filter(business_id=customer.business_id, customer=customer)
        .exclude(balance=0)
        .order_by("currency")
    )
    summary.last_payment = (
        Payment.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")
        .only("id", "status", "total_amount", "currency", "created_at", "customer_id")
        .first()
    )
    return summary
