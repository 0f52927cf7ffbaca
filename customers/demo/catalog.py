"""The demo business's catalogue and the columns its billing rows are written in.

`PRODUCTS` is what `seed_demo` sells; the `*_COLUMNS` lists name the columns of
the tuples `customers.demo.billing` generates, in order, for `bulk_insert`.
"""

from customers.models import Business, Product

# name, price (minor units), currency, interval ("" = one-time), license keys
# (activations limit, duration in years or None), tax category
PRODUCTS = [
    ("Pro plan · monthly", 1_500, "USD", "Month", (3, None), "saas"),
    ("Pro plan · yearly", 15_000, "USD", "Year", (5, None), "saas"),
    ("Team plan (India)", 99_900, "INR", "Month", (10, None), "saas"),
    ("Desktop app license", 4_900, "USD", "", (2, None), "digital_products"),
    ("E-book: Django at scale", 1_900, "USD", "", None, "e_book"),
    ("Course: Korean for travellers", 249_900, "INR", "", (1, 1), "edtech"),
]
CARD_NETWORKS_USD = ["visa", "visa", "mastercard", "mastercard", "amex"]
CARD_NETWORKS_INR = ["rupay", "visa", "mastercard"]
DEVICES = [
    "MacBook Pro",
    "Work laptop",
    "ubuntu-desktop",
    "Gaming PC",
    "iMac (studio)",
    "ThinkPad X1",
    "build-server-01",
    "Surface Go",
]
FEEDBACK = ["too_expensive", "missing_features", "switched_service", "unused", "other"]
REFUND_REASONS = ["Requested by customer", "Duplicate purchase", "Not as described", ""]

SUBSCRIPTION_COLUMNS = [
    "id",
    "business_id",
    "customer_id",
    "product_id",
    "quantity",
    "status",
    "recurring_pre_tax_amount",
    "tax_inclusive",
    "currency",
    "payment_frequency_count",
    "payment_frequency_interval",
    "subscription_period_count",
    "subscription_period_interval",
    "previous_billing_date",
    "next_billing_date",
    "cancel_at_next_billing_date",
    "cancelled_at",
    "cancel_reason",
    "cancellation_feedback",
    "cancellation_comment",
    "cancelled_by_type",
    "cancelled_by_label",
    "metadata",
    "created_at",
    "updated_at",
]
PAYMENT_COLUMNS = [
    "id",
    "business_id",
    "customer_id",
    "status",
    "total_amount",
    "tax",
    "currency",
    "product_id",
    "quantity",
    "pricing_type",
    "subscription_id",
    "charge_type",
    "service_period_start",
    "payment_method",
    "payment_method_type",
    "card_network",
    "card_last_four",
    "error_code",
    "error_message",
    "invoice_number",
    "metadata",
    "created_at",
    "updated_at",
]
REFUND_COLUMNS = [
    "id",
    "business_id",
    "payment_id",
    "customer_id",
    "amount",
    "currency",
    "status",
    "reason",
    "is_partial",
    "destination",
    "idempotency_key",
    "metadata",
    "created_at",
]
LICENSE_KEY_COLUMNS = [
    "id",
    "business_id",
    "customer_id",
    "product_id",
    "payment_id",
    "subscription_id",
    "key",
    "status",
    "disabled_reason",
    "source",
    "activations_limit",
    "expires_at",
    "created_at",
    "updated_at",
]
INSTANCE_COLUMNS = ["id", "business_id", "license_key_id", "name", "created_at"]


def demo_products(business: Business) -> list[Product]:
    """The business's demo catalogue, created once."""
    products = []
    for name, price, currency, interval, keys, tax_category in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            business=business,
            name=name,
            defaults={
                "price": price,
                "currency": currency,
                "is_recurring": bool(interval),
                "payment_frequency_interval": interval,
                "license_key_enabled": keys is not None,
                "license_key_activations_limit": keys[0] if keys else None,
                "license_key_duration_count": keys[1] if keys else None,
                "license_key_duration_interval": "Year" if keys and keys[1] else "",
                "tax_category": tax_category,
            },
        )
        products.append(product)
    return products
