"""Customer Hub's rows, one module per area; import them from here."""

from customers.models.accounts import Business, BusinessScopedQuerySet, Membership, TablePreference
from customers.models.api_keys import ApiKey
from customers.models.billing import (
    InvoiceCounter,
    Payment,
    PaymentQuerySet,
    Product,
    Refund,
    Subscription,
    SubscriptionQuerySet,
    TimeInterval,
    add_interval,
)
from customers.models.customers import LOCALE_CHOICES, Customer, CustomerQuerySet
from customers.models.events import Event
from customers.models.licenses import LicenseKey, LicenseKeyInstance
from customers.models.reports import SavedReport
from customers.models.summaries import CustomerSpend, SignupDay

__all__ = [
    "LOCALE_CHOICES",
    "ApiKey",
    "Business",
    "BusinessScopedQuerySet",
    "Customer",
    "CustomerQuerySet",
    "CustomerSpend",
    "Event",
    "InvoiceCounter",
    "LicenseKey",
    "LicenseKeyInstance",
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
    "add_interval",
]
