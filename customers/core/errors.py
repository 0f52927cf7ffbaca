"""Domain errors. Each has a stable code (the API contract's) and a human message;
views turn them into form errors, the API into JSON 4xx responses."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "INVALID_REQUEST"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class CustomerEmailTaken(DomainError):
    code = "CUSTOMER_ALREADY_EXISTS"
    status = 409

    def __init__(self, existing):
        self.existing = existing
        super().__init__(_("A customer with this e-mail already exists."))


# Refunds (api-contract.md §3, §9).
class PaymentNotSucceeded(DomainError):
    code = "PAYMENT_NOT_SUCCEEDED"
    default_message = _("Only a successful payment can be refunded.")


class RefundWindowExpired(DomainError):
    code = "REFUND_WINDOW_EXPIRED"
    default_message = _("This payment is older than the refund window.")


class RefundAmountExceedsPaidAmount(DomainError):
    code = "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT"
    default_message = _("The refund is larger than what is left to refund on this payment.")


class NothingToRefund(DomainError):
    code = "NOTHING_TO_REFUND"
    default_message = _("This payment has already been refunded in full.")


class InvalidRefundAmount(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("Enter an amount greater than zero.")


class RefundIdempotencyKeyReused(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("This refund form was already used for another payment.")


# Subscriptions (§10).
class SubscriptionInactive(DomainError):
    code = "SUBSCRIPTION_INACTIVE"
    status = 409
    default_message = _("This subscription is no longer active.")


class NoScheduledCancellation(DomainError):
    code = "NO_SCHEDULED_CANCELLATION"
    status = 409
    default_message = _("This subscription has no scheduled cancellation to revoke.")


# License keys (§11).
class ActivationLimitLessThanCurrentAmount(DomainError):
    code = "ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT"
    status = 422
    default_message = _("The limit cannot be lower than the number of current activations.")


class LicenseKeyNotFound(DomainError):
    code = "LICENSE_KEY_NOT_FOUND"
    status = 404
    default_message = _("No license key matches.")


class InactiveLicenseKey(DomainError):
    code = "INACTIVE_LICENSE_KEY"
    status = 403
    default_message = _("This license key is disabled or expired.")


class LicenseKeyLimitReached(DomainError):
    code = "LICENSE_KEY_LIMIT_REACHED"
    status = 422
    default_message = _("This license key has reached its activations limit.")


class LicenseKeyInstanceNotFound(DomainError):
    code = "LICENSE_KEY_INSTANCE_NOT_FOUND"
    status = 403
    default_message = _("This instance does not belong to this license key.")


class NoExpiryOnSubscriptionLicenseKeys(DomainError):
    code = "NO_EXPIRY_ON_SUBSCRIPTION_LICENSE_KEYS"
    default_message = _(
        "A subscription's license keys follow the subscription; they cannot expire."
    )


# API keys and the API (§1, §3).
class ReadOnlyApiKey(DomainError):
    code = "FORBIDDEN"
    status = 403
    default_message = _("This API key is read-only; use a read-write key to make changes.")


class ApiRateLimited(DomainError):
    code = "TOO_MANY_REQUESTS"
    status = 429
    default_message = _("Too many requests for this API key; retry after the Retry-After delay.")

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__()


# Webhooks.
class InvalidWebhookEndpoint(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("This webhook endpoint is not valid.")


class TooManyWebhookHeaders(InvalidWebhookEndpoint):
    """Added to the headers it has, the endpoint would have more than 20."""

    code = "MAXIMUM_KEYS_REACHED"
    default_message = _("An endpoint has at most 20 custom headers: remove some first.")


class LastOwner(DomainError):
    code = "LAST_OWNER"
    status = 409
    default_message = _(
        "A business always keeps at least one owner: make someone else owner first."
    )


class AlreadyMember(DomainError):
    code = "ALREADY_MEMBER"
    status = 409
    default_message = _("This person is already a member of the team.")


class InvitationInvalid(DomainError):
    code = "INVITATION_INVALID"
    status = 404
    default_message = _(
        "This invitation link is not valid: it has expired, was revoked, or was already "
        "used. Ask an owner to send a new one."
    )


class InvitationForOtherAccount(DomainError):
    code = "INVITATION_FOR_OTHER_ACCOUNT"
    status = 403
    default_message = _("This invitation was sent to another e-mail address.")


# Subscription changes (PATCH /subscriptions/{id}, change-plan).
class SubscriptionNotActive(DomainError):
    code = "SUBSCRIPTION_NOT_ACTIVE"
    status = 409
    default_message = _("Only an active subscription can be paused or changed.")


class SubscriptionNotPaused(DomainError):
    code = "SUBSCRIPTION_NOT_PAUSED"
    status = 409
    default_message = _("Only a paused subscription can be resumed.")


class InvalidNextBillingDate(DomainError):
    code = "INVALID_NEXT_BILLING_DATE"
    status = 422
    default_message = _("The next billing date must be in the future and within five years.")


class PlanChangePending(DomainError):
    code = "PLAN_CHANGE_PENDING"
    status = 409
    default_message = _("A plan change for this subscription is already being processed.")


class InvalidPlan(DomainError):
    code = "INVALID_PLAN"
    status = 422
    default_message = _(
        "Choose another recurring product of this business in the subscription's currency."
    )


class PlanChangeCreditUnavailable(DomainError):
    code = "PLAN_CHANGE_CREDIT_UNAVAILABLE"
    status = 422
    default_message = _(
        "This change would credit the customer in a currency that has no wallet; "
        "choose full_immediately instead."
    )


class PlanChangePaymentFailed(DomainError):
    code = "PLAN_CHANGE_PAYMENT_FAILED"
    status = 402
    default_message = _("The payment for the plan change failed; the plan did not change.")


# Payment methods and dunning (issue 18).
class DunningNotOpen(DomainError):
    code = "DUNNING_NOT_OPEN"
    status = 409
    default_message = _("This subscription is not in payment recovery.")


class PaymentMethodRefused(DomainError):
    code = "PAYMENT_METHOD_REFUSED"
    status = 422
    default_message = _("The payment method could not be saved.")


class PaymentMethodNotFound(DomainError):
    code = "NOT_FOUND"
    status = 404
    default_message = _("No such payment method.")
