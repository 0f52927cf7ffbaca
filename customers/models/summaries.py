"""Figures kept by the database itself, so that lists of a million customers can
filter and chart on them without adding up millions of rows per request.

Both tables are maintained by triggers (see migration 0007 and
`customers.reports.summaries`): a payment or refund that is inserted, changes status or is
deleted adjusts its customer's spend in the same transaction, whatever code path
wrote it (services, the API, admin, bulk loads, tests' factories). Nothing in
Python writes them except `customers.reports.summaries.summaries_rebuild`, which recomputes
a business's rows from the source tables after a bulk load.
"""

from django.db import models
from django.db.models import F

from customers.models.accounts import Business
from customers.models.customers import Customer


class CustomerSpend(models.Model):
    """One customer's succeeded payments and succeeded refunds in one currency."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="spend", db_index=False
    )
    currency = models.CharField(max_length=3)
    paid = models.BigIntegerField(default=0)  # minor units, succeeded payments' totals
    refunded = models.BigIntegerField(default=0)  # minor units, succeeded refunds
    net = models.GeneratedField(
        expression=F("paid") - F("refunded"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    # The customer's created_at, copied (and kept in step) by the triggers: where in
    # time a business's big spenders are, without reading their customer rows.
    customer_created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="spend_customer_currency")
        ]
        indexes = [
            # "Customers who paid at least X": a range scan, whatever the business's size;
            # with their sign-up time and ID in the key, a page of a few hundred thousand
            # of them is sorted from the index alone (selectors.spenders).
            models.Index(
                fields=["business", "currency", "net", "customer_created_at", "customer"],
                name="spend_business_net",
            ),
            # Customers who paid at least X, newest (or oldest) first, from the index
            # alone: a page of big spenders without reading the customers table.
            # (net last, as a key column: SQLite has no INCLUDE.)
            models.Index(
                fields=["business", "currency", "customer_created_at", "customer", "net"],
                name="spend_business_created",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.currency} {self.net}"


class SignupDay(models.Model):
    """How many of a business's customers were created on one UTC day."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    customers = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "day"], name="signup_business_day"),
        ]

    def __str__(self):
        return f"{self.business_id} {self.day} {self.customers}"


class BusinessDay(models.Model):
    """A business's money on one UTC day in one currency: what happened that day.

    Flows (`revenue`, `refunds`, `payments_failed`, `subscriptions_started`,
    `subscriptions_churned`) are that day's totals. Stocks are kept as the day's
    change (`active_subscriptions`, `mrr`, `wallet_held`): their level on a day is
    the sum of the changes up to it, a few thousand rows per business at most.
    Kept by triggers (migration 0019); each source row contributes according to its
    own fields only, so a rebuild from the source tables gives the same figures.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    currency = models.CharField(max_length=3)  # ISO 4217
    payments = models.BigIntegerField(default=0)  # succeeded payments (count)
    revenue = models.BigIntegerField(default=0)  # minor units, succeeded payments' totals
    refunds = models.BigIntegerField(default=0)  # minor units, succeeded refunds
    payments_failed = models.BigIntegerField(default=0)  # failed or cancelled payments (count)
    subscriptions_started = models.BigIntegerField(default=0)  # count
    subscriptions_churned = models.BigIntegerField(default=0)  # cancelled or expired (count)
    active_subscriptions = models.BigIntegerField(default=0)  # change in active subscriptions
    mrr = models.BigIntegerField(default=0)  # minor units per month, change that day
    wallet_held = models.BigIntegerField(default=0)  # minor units, wallet credits − debits

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "day", "currency"], name="business_day_currency"
            ),
        ]

    def __str__(self):
        return f"{self.business_id} {self.day} {self.currency}"
