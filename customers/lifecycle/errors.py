"""Why a delete or a merge is refused (a form error in the dashboard, a 409 in the API)."""

from django.utils.translation import gettext_lazy as _

from customers.core.errors import DomainError


class CustomerAlreadyDeleted(DomainError):
    code = "CUSTOMER_DELETED"
    status = 409
    default_message = _("This customer has already been deleted.")


class CustomerHasActiveSubscription(DomainError):
    code = "CUSTOMER_HAS_ACTIVE_SUBSCRIPTION"
    status = 409
    default_message = _(
        "This customer has a subscription that can still bill. Cancel it first, then delete "
        "the customer."
    )


class CustomerHasWalletBalance(DomainError):
    code = "CUSTOMER_HAS_WALLET_BALANCE"
    status = 409
    default_message = _(
        "This customer's wallet still holds money. Refund or debit it to zero first, or "
        "merge the customer into another one to move the balance."
    )


class InvalidMerge(DomainError):
    code = "INVALID_MERGE"
    status = 409
    default_message = _("These two customers cannot be merged.")


class CustomerHasCredits(InvalidMerge):
    code = "CUSTOMER_HAS_CREDITS"
    default_message = _(
        "The duplicate still holds credits. A merge does not move credits yet: deduct them "
        "(and grant them to the survivor) from its Credits tab first."
    )
