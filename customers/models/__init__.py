"""Customer Hub's rows, one module per area; import them from here."""

from customers.models.accounts import (
    NEWEST_FIRST,
    Business,
    BusinessLogo,
    BusinessScopedQuerySet,
    Invitation,
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
from customers.models.bulk import BulkJob
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
from customers.models.emails import CustomerEmailSettings, EmailLog, RenewalReminder
from customers.models.events import Event
from customers.models.exports import ExportJob
from customers.models.licenses import LicenseKey, LicenseKeyInstance, LicenseKeyQuerySet
from customers.models.lifecycle import (
    TOMBSTONE_DOMAIN,
    CustomerImport,
    CustomerTombstone,
    is_tombstone,
    tombstone_email,
)
from customers.models.notes import (
    NOTE_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
    CustomerTag,
    Note,
    Tag,
    TagColor,
)
from customers.models.payment_methods import SavedPaymentMethod
from customers.models.plan_changes import PlanChange
from customers.models.reports import SavedReport
from customers.models.subscriptions import Subscription, SubscriptionQuerySet
from customers.models.summaries import BusinessDay, CustomerSpend, SignupDay
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
    "NOTE_MAX_LENGTH",
    "TAG_NAME_MAX_LENGTH",
    "ApiKey",
    "BulkJob",
    "Business",
    "BusinessLogo",
    "BusinessScopedQuerySet",
    "Customer",
    "CustomerEmailSettings",
    "CustomerQuerySet",
    "CustomerImport",
    "CustomerSpend",
    "CustomerTag",
    "CustomerTombstone",
    "EmailLog",
    "Event",
    "ExportJob",
    "Invitation",
    "InvoiceCounter",
    "InvoiceDocument",
    "LicenseKey",
    "LicenseKeyInstance",
    "LicenseKeyQuerySet",
    "Membership",
    "Note",
    "Payment",
    "PlanChange",
    "PaymentQuerySet",
    "Product",
    "Refund",
    "RenewalReminder",
    "SavedReport",
    "SignupDay",
    "BusinessDay",
    "Subscription",
    "SubscriptionQuerySet",
    "TOMBSTONE_DOMAIN",
    "TablePreference",
    "Tag",
    "TagColor",
    "TimeInterval",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
    "add_interval",
    "is_tombstone",
    "tombstone_email",
]
