"""Customer Hub's rows, one module per area; import them from here."""

from customers.models.accounts import (
    NEWEST_FIRST,
    Business,
    BusinessScopedQuerySet,
    Membership,
    TablePreference,
)
from customers.models.api_keys import ApiKey
from customers.models.billing import (
    InvoiceCounter,
    InvoiceDocument,
    Payment,
    PaymentQuerySet,
    Refund,
)
from customers.models.catalog import Product, TimeInterval, add_interval
from customers.models.customers import LOCALE_CHOICES, Customer, CustomerQuerySet
from customers.models.dunning import (
    RECOVERY_WINDOW_DEFAULT,
    RECOVERY_WINDOW_MAX,
    RECOVERY_WINDOW_MIN,
    RETRY_SCHEDULE,
    Dunning,
    GatewayAttempt,
    GatewayRecord,
)
from customers.models.emails import EmailLog
from customers.models.events import Event
from customers.models.exports import ExportJob
from customers.models.licenses import LicenseKey, LicenseKeyInstance, LicenseKeyQuerySet
from customers.models.payment_methods import SavedPaymentMethod
from customers.models.reports import SavedReport
from customers.models.subscriptions import Subscription, SubscriptionQuerySet
from customers.models.summaries import CustomerSpend, SignupDay
from customers.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)

__all__ = [
    "RECOVERY_WINDOW_DEFAULT",
    "RECOVERY_WINDOW_MAX",
    "RECOVERY_WINDOW_MIN",
    "RETRY_SCHEDULE",
    "Dunning",
    "GatewayAttempt",
    "GatewayRecord",
    "SavedPaymentMethod",
    "LOCALE_CHOICES",
    "NEWEST_FIRST",
    "ApiKey",
    "Business",
    "BusinessScopedQuerySet",
    "Customer",
    "CustomerQuerySet",
    "CustomerSpend",
    "EmailLog",
    "Event",
    "ExportJob",
    "InvoiceCounter",
    "InvoiceDocument",
    "LicenseKey",
    "LicenseKeyInstance",
    "LicenseKeyQuerySet",
    "Membership",
    "Payment",
    "PaymentQuerySet",
    "Product",
    "Refund",
    "SavedReport",
    "SignupDay",
    "Subscription",
    "SubscriptionQuerySet",
    "TablePreference",
    "TimeInterval",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
    "add_interval",
]
