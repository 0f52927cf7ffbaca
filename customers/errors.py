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


class PermissionDenied(DomainError):
    code = "FORBIDDEN"
    status = 403
    default_message = _("Your role does not allow this change.")


class CustomerEmailTaken(DomainError):
    code = "CUSTOMER_ALREADY_EXISTS"
    status = 409

    def __init__(self, existing):
        self.existing = existing
        super().__init__(_("A customer with this e-mail already exists."))
