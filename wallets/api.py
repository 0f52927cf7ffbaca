"""The wallets API router (api-contract.md §7): balances and the ledger."""

from babel.numbers import get_currency_precision
from django.conf import settings
from ninja import Query, Router

from customers.api.common import ERRORS, get_scoped, page
from customers.audit import Actor
from customers.models import Customer
from wallets import selectors
from wallets.models import EventType
from wallets.schemas import (
    LedgerEntryFilters,
    LedgerEntryIn,
    LedgerEntryListOut,
    WalletListOut,
    WalletOut,
    entry_out,
    wallet_out,
)
from wallets.services import ledger_post

router = Router(tags=["Wallets"])


def usd_cents(balance: int, currency: str) -> int:
    """`balance` minor units of `currency` in US cents at USD_PER_CURRENCY (micro-
    dollars per whole unit), rounded down; a currency without a rate counts 0."""
    rate = settings.USD_PER_CURRENCY.get(currency)
    if rate is None:
        return 0
    return balance * rate * 100 // (10 ** get_currency_precision(currency) * 1_000_000)


def _customer(request, customer_id: str) -> Customer:
    return get_scoped(Customer.objects.for_business(request.auth.business_id), customer_id)


@router.get("/customers/{customer_id}/wallets", response={200: WalletListOut, **ERRORS})
def list_wallets(request, customer_id: str):
    """Every configured currency's wallet (balance 0 if never used), and the total
    in US cents."""
    customer = _customer(request, customer_id)
    wallets = selectors.wallets_for(customer)
    return {
        "items": [wallet_out(w, customer) for w in wallets],
        "total_balance_usd": sum(usd_cents(w.balance, w.currency) for w in wallets),
    }


@router.post("/customers/{customer_id}/wallets/ledger-entries", response={200: WalletOut, **ERRORS})
def create_ledger_entry(request, customer_id: str, payload: LedgerEntryIn):
    """Credit or debit a wallet (`merchant_adjustment`); returns the wallet after it.
    A debit above the balance is 400 `INSUFFICIENT_WALLET_FUNDS`. A replayed
    `idempotency_key` posts nothing and returns the wallet as it is now."""
    customer = _customer(request, customer_id)
    ledger_post(
        business=request.auth.business,
        customer=customer,
        currency=payload.currency,
        amount=payload.amount,
        direction=payload.entry_type,
        event_type=EventType.MERCHANT_ADJUSTMENT,
        reason=payload.reason or "",
        actor=Actor.api_key(request.auth),
        idempotency_key=payload.idempotency_key,
    )
    wallet = next(w for w in selectors.wallets_for(customer) if w.currency == payload.currency)
    return wallet_out(wallet, customer)


@router.get(
    "/customers/{customer_id}/wallets/ledger-entries",
    response={200: LedgerEntryListOut, **ERRORS},
)
def list_ledger_entries(request, customer_id: str, filters: Query[LedgerEntryFilters]):
    """The customer's ledger, newest first; optionally one currency."""
    customer = _customer(request, customer_id)
    entries = selectors.ledger_entries(customer, filters.currency)
    items = page(entries, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [entry_out(e) for e in items]}
