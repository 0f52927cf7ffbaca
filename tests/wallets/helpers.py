"""Money enters wallets in tests only through the service."""

from customers.audit import Actor
from wallets.services import ledger_post

ACTOR = Actor.system("tests")


def credit(customer, amount: int, currency: str = "USD", **kwargs):
    kwargs.setdefault("event_type", "merchant_adjustment")
    kwargs.setdefault("reason", "test credit")
    kwargs.setdefault("actor", ACTOR)
    return ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction="credit",
        **kwargs,
    )


def debit(customer, amount: int, currency: str = "USD", **kwargs):
    kwargs.setdefault("event_type", "payment")
    kwargs.setdefault("reason", "test debit")
    kwargs.setdefault("actor", ACTOR)
    return ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency,
        amount=amount,
        direction="debit",
        **kwargs,
    )
