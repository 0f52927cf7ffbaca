"""Demo billing data for `seed_demo`: products, payments (mostly succeeded; some
failed, pending, refunded), subscriptions with their renewal history, license keys
and their activations, in proportion to the customers just added.

Rows are written with `bulk_insert` (COPY on PostgreSQL) a chunk of customers at a
time, so memory stays flat at a million customers.
"""

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from customers.core.bulk import bulk_insert
from customers.core.ids import new_id
from customers.demo.catalog import (
    CARD_NETWORKS_INR,
    CARD_NETWORKS_USD,
    DEVICES,
    FEEDBACK,
    INSTANCE_COLUMNS,
    LICENSE_KEY_COLUMNS,
    PAYMENT_COLUMNS,
    REFUND_COLUMNS,
    REFUND_REASONS,
    SUBSCRIPTION_COLUMNS,
    demo_products,
)
from customers.models import (
    Business,
    Customer,
    InvoiceCounter,
    LicenseKey,
    LicenseKeyInstance,
    Payment,
    Product,
    Refund,
    Subscription,
    add_interval,
)

CHUNK = 20_000
MAX_RENEWALS = 12  # periods of history per subscription, at most


@dataclass
class Counts:
    products: int = 0
    subscriptions: int = 0
    payments: int = 0
    refunds: int = 0
    license_keys: int = 0
    instances: int = 0


@dataclass
class _Rows:
    subscriptions: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    keys: list = field(default_factory=list)
    instances: list = field(default_factory=list)


class _Generator:
    def __init__(self, business: Business, products: list[Product], rng: random.Random):
        self.business_id = business.pk
        self.recurring = [p for p in products if p.is_recurring]
        self.one_time = [p for p in products if not p.is_recurring]
        self.rng = rng
        self.now = timezone.now()
        self.invoice_number = 0  # offset from the business's counter
        self.rows = _Rows()

    # --- pieces ---------------------------------------------------------------

    def method(self, currency: str) -> tuple[str, str, str, str]:
        rng = self.rng
        if currency == "INR" and rng.random() < 0.6:
            return ("upi", "upi_collect", "", "")
        network = rng.choice(CARD_NETWORKS_INR if currency == "INR" else CARD_NETWORKS_USD)
        return ("card", network, network, f"{rng.randrange(10_000):04d}")

    def payment(
        self,
        customer_id,
        product,
        *,
        at,
        status,
        method,
        subscription_id=None,
        charge_type="",
        period_start=None,
    ) -> str:
        pay_id = new_id("pay")
        # GST on one-time purchases in India; subscriptions bill their pre-tax amount,
        # as bill_due_subscriptions does (it has no tax engine).
        tax = product.price * 18 // 100 if product.currency == "INR" and not subscription_id else 0
        invoice = None
        if status == "succeeded":
            self.invoice_number += 1
            invoice = self.invoice_number
        failed = status == "failed"
        self.rows.payments.append(
            (
                pay_id,
                self.business_id,
                customer_id,
                status,
                product.price + tax,
                tax,
                product.currency,
                product.pk,
                1,
                "subscription" if subscription_id else "one_time",
                subscription_id,
                charge_type,
                period_start,
                *method,
                "card_declined" if failed else "",
                "The card was declined." if failed else "",
                invoice,
                {},
                at,
                at,
            )
        )
        return pay_id

    def license_key(self, customer_id, product, *, at, payment_id, sub_id, status, reason=""):
        rng = self.rng
        expires = None
        if product.license_key_duration_count:
            expires = add_interval(at, "Year", product.license_key_duration_count)
            if status == "active" and expires <= self.now:
                status = "expired"
        key_id = new_id("lic")
        self.rows.keys.append(
            (
                key_id,
                self.business_id,
                customer_id,
                product.pk,
                payment_id,
                sub_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                status,
                reason,
                "auto",
                product.license_key_activations_limit,
                expires,
                at,
                at,
            )
        )
        limit = product.license_key_activations_limit or 3
        for n in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            if n >= limit:
                break
            self.rows.instances.append(
                (
                    new_id("lki"),
                    self.business_id,
                    key_id,
                    rng.choice(DEVICES),
                    at + dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 30)),
                )
            )

    # --- one customer ---------------------------------------------------------

    def customer(self, customer_id: str, joined: dt.datetime) -> None:
        rng = self.rng
        for _ in range(rng.choice([0, 0, 1, 1, 1, 1, 2, 3])):
            self.one_time_purchase(customer_id, joined)
        if rng.random() < 0.3:
            self.subscription(customer_id, joined)

    def one_time_purchase(self, customer_id, joined) -> None:
        rng = self.rng
        product = rng.choice(self.one_time)
        at = joined + (self.now - joined) * rng.random()
        roll = rng.random()
        if roll < 0.88:
            status = "succeeded"
        elif roll < 0.94:
            status = "failed"
        elif roll < 0.97:
            status = rng.choice(["processing", "requires_customer_action"])
        else:
            status = "cancelled"
        pay_id = self.payment(
            customer_id, product, at=at, status=status, method=self.method(product.currency)
        )
        refunded = False
        if status == "succeeded" and rng.random() < 0.07:
            total = self.rows.payments[-1][4]
            full = rng.random() < 0.6
            amount = total if full else max(total * rng.choice([20, 25, 50]) // 100, 1)
            refunded = full
            self.rows.refunds.append(
                (
                    new_id("ref"),
                    self.business_id,
                    pay_id,
                    customer_id,
                    amount,
                    product.currency,
                    "succeeded" if rng.random() < 0.95 else "pending",
                    rng.choice(REFUND_REASONS),
                    not full,
                    "original_payment_method",
                    None,
                    {},
                    at + dt.timedelta(days=rng.randrange(1, 20)),
                )
            )
        if status == "succeeded" and product.license_key_enabled:
            self.license_key(
                customer_id,
                product,
                at=at,
                payment_id=pay_id,
                sub_id=None,
                status="disabled" if refunded else "active",
                reason="refund" if refunded else "",
            )

    def subscription(self, customer_id, joined) -> None:
        rng = self.rng
        product = rng.choice(self.recurring)
        interval = product.payment_frequency_interval
        periods = rng.randint(1, MAX_RENEWALS if interval == "Month" else 2)
        start = self.now
        for _ in range(periods):
            start = add_interval(start, interval, -1)
        start = max(start, joined) + dt.timedelta(minutes=rng.randrange(1, 600))
        if start >= self.now:
            return
        roll = rng.random()
        fate = (
            "cancelled"
            if roll < 0.1
            else "on_hold"
            if roll < 0.15
            else "scheduled"
            if roll < 0.2
            else "active"
        )
        sub_id = new_id("sub")
        method = self.method(product.currency)
        period_start, charge_type, first_payment = start, "new", None
        while True:
            period_end = add_interval(period_start, interval)
            failing = fate == "on_hold" and period_end > self.now and charge_type == "renewal"
            pay_id = self.payment(
                customer_id,
                product,
                at=period_start,
                status="failed" if failing else "succeeded",
                method=method,
                subscription_id=sub_id,
                charge_type=charge_type,
                period_start=period_start,
            )
            first_payment = first_payment or pay_id
            if failing or period_end > self.now:
                break
            period_start, charge_type = period_end, "renewal"
        if fate == "on_hold" and charge_type == "new":
            fate = "active"  # no renewal yet to fail
        previous, following = period_start, add_interval(period_start, interval)
        if fate == "on_hold":
            previous, following = add_interval(period_start, interval, -1), period_start
        cancelled_at = None
        if fate == "cancelled":
            cancelled_at = previous + (min(following, self.now) - previous) * rng.random()
        status = {"scheduled": "active"}.get(fate, fate)
        ended = fate == "cancelled"
        self.rows.subscriptions.append(
            (
                sub_id,
                self.business_id,
                customer_id,
                product.pk,
                1,
                status,
                product.price,
                False,
                product.currency,
                1,
                interval,
                20,
                "Year",
                previous,
                following,
                fate == "scheduled",
                cancelled_at,
                "cancelled_by_customer" if ended or fate == "scheduled" else "",
                rng.choice(FEEDBACK) if ended or fate == "scheduled" else "",
                "",
                "customer" if ended or fate == "scheduled" else "",
                "",
                {},
                start,
                cancelled_at or previous,
            )
        )
        if product.license_key_enabled:
            reason = {"cancelled": "subscription_cancelled", "on_hold": "subscription_on_hold"}
            self.license_key(
                customer_id,
                product,
                at=start,
                payment_id=first_payment,
                sub_id=sub_id,
                status="disabled" if fate in reason else "active",
                reason=reason.get(fate, ""),
            )


def seed_billing(
    *,
    business: Business,
    seed: int,
    customer_id_floor: str = "",
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Billing history for the business's customers whose ID is ≥ `customer_id_floor`
    (those `seed_demo` just added). Call inside a transaction."""
    counts = Counts()
    products = demo_products(business)
    counts.products = len(products)
    rng = random.Random(seed * 7919 + 1)
    generator = _Generator(business, products, rng)
    counter, _created = InvoiceCounter.objects.get_or_create(business=business)
    counter = InvoiceCounter.objects.select_for_update().get(pk=counter.pk)
    generator.invoice_number = counter.last_number
    customers = Customer.objects.for_business(business).filter(pk__gte=customer_id_floor)
    last, done = "", 0
    skip_fk_checks = _skip_fk_checks()
    while True:
        chunk = list(
            customers.filter(pk__gt=last).order_by("pk").values_list("pk", "created_at")[:CHUNK]
        )
        if not chunk:
            break
        last = chunk[-1][0]
        for customer_id, joined in chunk:
            generator.customer(customer_id, joined)
        rows, generator.rows = generator.rows, _Rows()
        counts.subscriptions += bulk_insert(Subscription, SUBSCRIPTION_COLUMNS, rows.subscriptions)
        counts.payments += bulk_insert(Payment, PAYMENT_COLUMNS, rows.payments)
        counts.refunds += bulk_insert(Refund, REFUND_COLUMNS, rows.refunds)
        counts.license_keys += bulk_insert(LicenseKey, LICENSE_KEY_COLUMNS, rows.keys)
        counts.instances += bulk_insert(LicenseKeyInstance, INSTANCE_COLUMNS, rows.instances)
        done += len(chunk)
        if progress:
            progress(done)
    if skip_fk_checks:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    counter.last_number = generator.invoice_number
    counter.save(update_fields=["last_number"])
    return counts


def _skip_fk_checks() -> bool:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for the
    rows this transaction generates (they point only at rows it just read or wrote;
    the seed tests check that no row is orphaned). Millions of deferred FK checks
    otherwise take longer than writing the rows. Returns whether it did."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True
