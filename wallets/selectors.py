"""Wallet reads shared by the dashboard, the API, the portal, renewals and reports.

Only reads: nothing here writes, renders or builds URLs."""

from django.db.models import Exists, OuterRef, QuerySet

from customers.core.prepared import PreparedRows, prepared
from customers.models import Customer
from wallets.models import LedgerEntry, Wallet
from wallets.services import supported_currencies


def balance(customer: Customer, currency: str) -> int:
    """The customer's balance in `currency`, in minor units; 0 when there is no wallet."""
    value = (
        Wallet.objects.for_business(customer.business_id)
        .filter(customer=customer, currency=currency.upper())
        .values_list("balance", flat=True)
        .first()
    )
    return value or 0


def wallets_for(customer: Customer) -> list[Wallet]:
    """One wallet per configured currency, in the setting's order; one query.

    A currency with no wallet row yet is an unsaved `Wallet` with balance 0
    (`pk` and `created_at` None): listing never creates rows.
    """
    currencies = tuple(supported_currencies())
    wallets = _wallets(
        business_id=customer.business_id, customer_id=customer.pk, currencies=currencies
    )
    existing = {w.currency: w for w in wallets}
    return [
        existing.get(c)
        or Wallet(
            business_id=customer.business_id,
            customer=customer,
            currency=c,
            balance=0,
            created_at=None,
            updated_at=None,
        )
        for c in currencies
    ]


@prepared("business_id", "customer_id")
def _wallets(*, business_id: str, customer_id: str, currencies: tuple) -> QuerySet[Wallet]:
    return Wallet.objects.for_business(business_id).filter(
        customer_id=customer_id, currency__in=currencies
    )


def ledger_entries(customer: Customer, currency: str | None = None) -> PreparedRows:
    """The customer's ledger, newest first; optionally one currency. Prepared rows
    (customers.core.prepared): a paginator's count and slices."""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    if currency:
        return _ledger_in.rows(**ids, currency=currency.upper())
    return _ledger.rows(**ids)


@prepared("business_id", "customer_id")
def _ledger(*, business_id: str, customer_id: str) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.for_business(business_id).filter(customer_id=customer_id)
    return entries.newest_first()


@prepared("business_id", "customer_id", "currency")
def _ledger_in(*, business_id: str, customer_id: str, currency: str) -> QuerySet[LedgerEntry]:
    return _ledger.queryset(business_id=business_id, customer_id=customer_id).filter(
        currency=currency
    )


def funded_customers(business) -> QuerySet:
    """The IDs of the business's customers with money in some wallet, each once: a
    count of them reads the wallets (a few per cent of the customers), not every
    customer."""
    return Wallet.objects.filter(business=business, balance__gt=0).values("customer_id").distinct()


def with_wallet_balance(customers: QuerySet[Customer], value: bool) -> QuerySet[Customer]:
    """Customers with (or without) money in some wallet, by an EXISTS subquery."""
    funded = Wallet.objects.filter(
        business=OuterRef("business_id"), customer=OuterRef("pk"), balance__gt=0
    )
    return customers.filter(Exists(funded)) if value else customers.exclude(Exists(funded))
