"""Wallet domain errors: a stable code and a human message each.

Views turn them into form errors, the API into `{"code", "message"}` with `status`.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.core.errors import DomainError


class InsufficientWalletFunds(DomainError):
    """A debit larger than the wallet's balance (the contract's 400)."""

    code = "INSUFFICIENT_WALLET_FUNDS"
    status = 400
    default_message = _("The wallet balance is too low for this debit.")

    def __init__(self, message=None, *, balance: int = 0, currency: str = ""):
        self.balance = balance  # minor units, the balance when the debit was refused
        self.currency = currency
        super().__init__(message)


class InvalidLedgerEntry(DomainError):
    """Bad input to `ledger_post`: amount, currency, direction, event type or text fields.

    `field` names the offending parameter so a form can show the error next to it.
    """

    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("The ledger entry is not valid.")

    def __init__(self, message=None, *, field: str = ""):
        self.field = field
        super().__init__(message)


class WalletBalanceLimit(DomainError):
    """A credit that would push the balance past the largest 64-bit integer."""

    code = "WALLET_BALANCE_LIMIT"
    status = 422
    default_message = _("This credit would make the wallet balance too large.")


class IdempotencyKeyReused(DomainError):
    """The idempotency key was already used for a different request.

    422, not 409: the official client retries 409s, and a retry cannot succeed.
    """

    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422
    default_message = _(
        "This idempotency key was already used for a different request. "
        "Use a new key for a new request."
    )

    def __init__(self, message=None, *, entry=None):
        self.entry = entry  # the entry the key first posted
        super().__init__(message)


class WalletUnavailable(DomainError):
    """Money in a currency that customer wallets do not hold (WALLET_CURRENCIES)."""

    code = "WALLET_UNAVAILABLE"
    status = 409

    def __init__(self, currency: str):
        self.currency = currency
        super().__init__(
            gettext("Customer wallets do not hold %(currency)s.") % {"currency": currency}
        )
