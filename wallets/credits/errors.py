"""Credit domain errors: a stable code and a human message each (views turn them
into form errors, the API into `{"code", "message"}` with `status`)."""

from django.utils.translation import gettext_lazy as _

from customers.core.errors import DomainError


class InvalidCreditRequest(DomainError):
    """Bad input to a credit service; `field` names the parameter."""

    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("The credit request is not valid.")

    def __init__(self, message=None, *, field: str = ""):
        self.field = field
        super().__init__(message)


class InsufficientCredits(DomainError):
    """A debit larger than the balance (and the overage the entitlement allows)."""

    code = "INSUFFICIENT_CREDITS"
    status = 400
    default_message = _("The credit balance is too low for this debit.")

    def __init__(self, message=None, *, available: int = 0):
        self.available = available  # 1/1000 credits: what could have been spent
        super().__init__(message)


class CreditIdempotencyKeyReused(DomainError):
    """The key was used for a different request: 409 as Dodo documents it (sent with
    `x-should-retry: false`, so the official client does not retry it)."""

    code = "IDEMPOTENCY_KEY_REUSED"
    status = 409
    default_message = _(
        "This idempotency key was already used for a different request. "
        "Use a new key for a new request."
    )

    def __init__(self, message=None, *, entry=None):
        self.entry = entry
        super().__init__(message)


class CreditEntitlementDeleted(DomainError):
    """Credits of a deleted entitlement cannot move until it is restored."""

    code = "CREDIT_ENTITLEMENT_DELETED"
    status = 409
    default_message = _("This credit entitlement is deleted; restore it first.")


class AmountPrecisionExceeded(InvalidCreditRequest):
    """More decimals than the entitlement's precision: a rule of the entitlement, not
    of the request's shape."""

    code = "CREDIT_AMOUNT_PRECISION"


class CreditExpiryInThePast(InvalidCreditRequest):
    """A grant that would expire at or before the moment it is made."""

    code = "CREDIT_EXPIRY_IN_THE_PAST"
