"""Per-customer figures as SQL expressions: one correlated subquery each.

The report, the exports and the customer filters annotate (or filter) a
Customer queryset with these, so a list of a million customers with every
computed column is still one query: the database probes each customer's rows
through the `(business, customer, …)` indexes, never a query per row.

Definitions (also in the report page's help text):
- total paid (per currency): succeeded payments' `total_amount` minus succeeded
  refunds' `amount` in that currency — what the merchant kept. Pending and
  failed payments and refunds do not count. The database keeps it per customer
  and currency in CustomerSpend (triggers), with the refunds total beside it.
- payments count and last payment: succeeded payments, any currency.
- active subscriptions: subscriptions whose status is `active`.
- wallet balance (per currency): the wallet's current balance, 0 without one.
- portal last visit: the latest `last_seen_at` of the customer's portal logins.

Money is in integer minor units of the currency, as everywhere else.

Reports read several figures from one table with one probe: `payment_figures`,
`spend_figures` and `wallet_figures` return a small JSON object per customer
(`{"usd": 1250, "inr": null, "usd_refunded": 0, …}`); the single-figure
expressions serve the filters.
"""

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject

from customers.models import CustomerSpend, Payment, Subscription

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


def paid_at_least(currency: str, minimum: int) -> Exists:
    """Customers whose total paid in `currency` is at least `minimum` (> 0)."""
    return Exists(_mine(CustomerSpend).filter(currency=currency, net__gte=minimum))


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


def payment_figures():
    """Succeeded payments, any currency: count `n` and `last` time."""
    succeeded = _mine(Payment).filter(status=Payment.Status.SUCCEEDED)
    return _bundle(succeeded, n=Count("id"), last=Max("created_at"))


def spend_figures(currencies):
    """Kept totals per currency: net paid under `usd`, refunds under `usd_refunded`, …"""
    figures = {}
    for c in currencies:
        figures[c.lower()] = Max("net", filter=Q(currency=c))
        figures[f"{c.lower()}_refunded"] = Max("refunded", filter=Q(currency=c))
    return _bundle(_mine(CustomerSpend), **figures)


def wallet_figures(currencies):
    """Wallet balances per currency (lower-case keys); one wallet per currency."""
    wallet = apps.get_model("wallets", "Wallet")
    return _bundle(
        _mine(wallet), **{c.lower(): Max("balance", filter=Q(currency=c)) for c in currencies}
    )
