"""Per-customer figures as SQL expressions: one correlated subquery each.

The report, the exports and the customer filters annotate (or filter) a
Customer queryset with these, so a list of a million customers with every
computed column is still one query: the database probes each customer's rows
through the `(business, customer, …)` indexes, never a query per row.

Definitions (also in the report page's help text):
- total paid (per currency): succeeded payments' `total_amount` minus succeeded
  refunds' `amount` in that currency — what the merchant kept. Pending and
  failed payments and refunds do not count.
- payments count and last payment: succeeded payments, any currency.
- refunds total (per currency): succeeded refunds.
- active subscriptions: subscriptions whose status is `active`.
- wallet balance (per currency): the wallet's current balance, 0 without one.
- portal last visit: the latest `last_seen_at` of the customer's portal logins.

Money is in integer minor units of the currency, as everywhere else.

Reports read several figures from one table with one probe: `payment_figures`,
`refund_figures` and `wallet_figures` return a small JSON object per customer
(`{"usd": 1250, "inr": null, "n": 2, "last": "…"}`), three probes instead of
ten; the single-figure expressions serve the filters.
"""

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, JSONObject

from customers.models import Payment, Refund, Subscription

_BIGINT = models.BigIntegerField()


def _mine(model):
    """Rows of `model` that belong to the outer customer (business first: the index)."""
    return model.objects.filter(business=OuterRef("business_id"), customer=OuterRef("pk"))


def _total(queryset, expression) -> Subquery:
    """One aggregate over the outer customer's rows, as a scalar subquery."""
    return Subquery(
        queryset.order_by().values("customer").annotate(total=expression).values("total"),
        output_field=_BIGINT,
    )


def paid_sum(currency: str):
    succeeded = _mine(Payment).filter(status=Payment.Status.SUCCEEDED, currency=currency)
    return Coalesce(_total(succeeded, Sum("total_amount")), 0, output_field=_BIGINT)


def refunds_total(currency: str):
    succeeded = _mine(Refund).filter(status=Refund.Status.SUCCEEDED, currency=currency)
    return Coalesce(_total(succeeded, Sum("amount")), 0, output_field=_BIGINT)


def total_paid(currency: str):
    """Succeeded payments minus succeeded refunds in `currency`, minor units."""
    return models.ExpressionWrapper(
        paid_sum(currency) - refunds_total(currency), output_field=_BIGINT
    )


def payments_count():
    succeeded = _mine(Payment).filter(status=Payment.Status.SUCCEEDED)
    return Coalesce(_total(succeeded, Count("id")), 0, output_field=_BIGINT)


def last_payment_at():
    succeeded = _mine(Payment).filter(status=Payment.Status.SUCCEEDED)
    return Subquery(
        succeeded.order_by("-created_at").values("created_at")[:1],
        output_field=models.DateTimeField(),
    )


def active_subscriptions():
    active = _mine(Subscription).filter(status=Subscription.Status.ACTIVE)
    return Coalesce(_total(active, Count("id")), 0, output_field=_BIGINT)


def has_active_subscription():
    return Exists(_mine(Subscription).filter(status=Subscription.Status.ACTIVE))


def wallet_balance(currency: str):
    # By app label: `customers` must not import the apps that import it.
    wallet = apps.get_model("wallets", "Wallet")
    balance = _mine(wallet).filter(currency=currency).values("balance")[:1]
    return Coalesce(Subquery(balance, output_field=_BIGINT), 0, output_field=_BIGINT)


def portal_last_visit_at():
    login = apps.get_model("portal", "PortalLogin")
    latest = (
        login.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(last=Max("last_seen_at"))
        .values("last")
    )
    return Subquery(latest, output_field=models.DateTimeField())


# Bundles: several figures from one table in one probe (JSON object or NULL).


def _bundle(queryset, **figures) -> Subquery:
    return Subquery(
        queryset.order_by()
        .values("customer")
        .annotate(figures=JSONObject(**figures))
        .values("figures"),
        output_field=models.JSONField(),
    )


def payment_figures(currencies):
    """Succeeded payments: gross per currency (lower-case keys), count `n`, `last` time."""
    succeeded = _mine(Payment).filter(status=Payment.Status.SUCCEEDED)
    per_currency = {c.lower(): Sum("total_amount", filter=Q(currency=c)) for c in currencies}
    return _bundle(succeeded, **per_currency, n=Count("id"), last=Max("created_at"))


def refund_figures(currencies):
    """Succeeded refunds per currency (lower-case keys)."""
    succeeded = _mine(Refund).filter(status=Refund.Status.SUCCEEDED)
    return _bundle(
        succeeded, **{c.lower(): Sum("amount", filter=Q(currency=c)) for c in currencies}
    )


def wallet_figures(currencies):
    """Wallet balances per currency (lower-case keys); one wallet per currency."""
    wallet = apps.get_model("wallets", "Wallet")
    return _bundle(
        _mine(wallet), **{c.lower(): Max("balance", filter=Q(currency=c)) for c in currencies}
    )
