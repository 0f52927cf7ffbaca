"""Money enters wallets in tests only through the service."""

from customers.audit import Actor
from wallets.services import ledger_post

ACTOR = Actor.system("tests")


def ledger_args(customer, amount: int, currency: str = "USD", **kwargs) -> dict:
    """ledger_post's arguments for a merchant adjustment crediting `amount` to the
    customer's wallet by the tests' actor; `kwargs` change any of them."""
    return {
        "business": customer.business,
        "customer": customer,
        "currency": currency,
        "amount": amount,
        "direction": "credit",
        "event_type": "merchant_adjustment",
        "reason": "test credit",
        "actor": ACTOR,
        **kwargs,
    }


def credit(customer, amount: int, currency: str = "USD", **kwargs):
    return ledger_post(**ledger_args(customer, amount, currency, **kwargs))


def debit(customer, amount: int, currency: str = "USD", **kwargs):
    kwargs = {"event_type": "payment", "reason": "test debit", **kwargs, "direction": "debit"}
    return ledger_post(**ledger_args(customer, amount, currency, **kwargs))
