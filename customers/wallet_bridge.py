"""The only door from `customers` into the wallets app (STYLE.md rule 1).

Imports happen inside the functions, so this app loads and its tests run even
while the wallets app is being built.
"""

from django.conf import settings

from customers.core.errors import DomainError


class WalletUnavailable(DomainError):
    code = "WALLET_UNAVAILABLE"
    status = 409

    def __init__(self, currency: str):
        from django.utils.translation import gettext as _

        super().__init__(_("Customer wallets do not hold %(currency)s.") % {"currency": currency})


def supports(currency: str) -> bool:
    if currency.upper() not in [c.upper() for c in settings.WALLET_CURRENCIES]:
        return False
    try:
        from wallets import services  # noqa: F401
    except ImportError:
        return False
    return hasattr(services, "ledger_post")


def post(*, customer, currency, amount, direction, event_type, reason, reference_id, actor, key):
    """Post one ledger entry; raises the wallets app's errors (e.g. insufficient funds)."""
    if not supports(currency):
        raise WalletUnavailable(currency)
    from wallets.services import ledger_post

    return ledger_post(
        business=customer.business,
        customer=customer,
        currency=currency.upper(),
        amount=amount,
        direction=direction,
        event_type=event_type,
        reason=reason,
        reference_id=reference_id,
        actor=actor,
        idempotency_key=key,
    )


def balance(customer, currency: str) -> int:
    """The wallet balance in minor units; 0 where there is no wallet for the currency."""
    if not supports(currency):
        return 0
    try:
        from wallets.selectors import balance as wallet_balance
    except ImportError:
        return 0
    return wallet_balance(customer, currency.upper())


def insufficient_funds_error() -> type[Exception]:
    try:
        from wallets.errors import InsufficientWalletFunds
    except ImportError:
        return DomainError
    return InsufficientWalletFunds
