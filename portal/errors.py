from django.utils.translation import gettext_lazy as _

from customers.core.errors import DomainError


class InvalidReturnUrl(DomainError):
    code = "INVALID_REQUEST_PARAMETERS"
    status = 422
    default_message = _("The return URL must be an http(s) URL of at most 1000 characters.")


class PortalLinkInvalid(DomainError):
    code = "PORTAL_LINK_INVALID"
    status = 404
    default_message = _("This link has expired, was already used, or was revoked.")


class RateLimited(DomainError):
    code = "TOO_MANY_REQUESTS"
    status = 429
    default_message = _("Too many attempts. Please try again in a few minutes.")

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__()


class ProfileUpdatesDisabled(DomainError):
    code = "PROFILE_UPDATES_DISABLED"
    status = 403
    default_message = _("This business does not allow profile changes in the portal.")


class CancellationNotAllowed(DomainError):
    code = "CANCELLATION_NOT_ALLOWED"
    status = 403
    default_message = _("This way of cancelling is not available. Contact the business.")


class CancellationReasonRequired(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("Choose a reason for cancelling.")


class InvalidComment(DomainError):
    code = "INVALID_REQUEST_BODY"
    status = 422
    default_message = _("Remove the invalid characters (NUL or broken Unicode) from the comment.")


class PauseNotAllowed(DomainError):
    code = "PAUSE_NOT_ALLOWED"
    status = 403
    default_message = _("This business does not allow pausing in the portal.")


class PlanChangeNotAllowed(DomainError):
    code = "PLAN_CHANGE_NOT_ALLOWED"
    status = 403
    default_message = _("This plan is not offered in the portal. Contact the business.")


class RetentionOfferUnavailable(DomainError):
    code = "RETENTION_OFFER_UNAVAILABLE"
    status = 409
    default_message = _("This offer is no longer available.")
