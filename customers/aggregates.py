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
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
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


def spenders(business, currency: str, minimum: int, cap: int, *, since=None, until=None):
    """All their IDs (signed up in [since, until)) if there are at most `cap`, else None:
    counted, then read, on the (business, currency, net) index."""
    matches = _spending(business, currency, minimum, since, until)
    if matches[: cap + 1].count() > cap:
        return None
    return list(matches.values_list("customer_id", flat=True))


def spenders_span(business, currency: str, minimum: int) -> tuple:
    """When the oldest and the newest of them signed up (two index lookups)."""
    span = _spending(business, currency, minimum).aggregate(
        first=Min("customer_created_at"), last=Max("customer_created_at")
    )
    return span["first"], span["last"]


def spenders_in_order(
    business, currency: str, minimum: int, limit: int, *, newest_first: bool, since, until
) -> list[str]:
    """The IDs of the first `limit` of them by sign-up (newest or oldest first) who
    signed up in [since, until): one walk along the (business, currency,
    customer_created_at, customer) index, no table rows."""
    order = _by_signup("", newest_first)
    matches = _spending(business, currency, minimum, since, until).order_by(*order)
    return list(matches.values_list("customer_id", flat=True)[:limit])


def spenders_among(customers, currency: str, minimum: int, limit: int, *, newest_first: bool):
    """Like spenders_in_order, for the customers of a filtered queryset: the spend
    index is walked in sign-up order and each spender's customer row checked, so
    the work grows with the spenders passed over, not with the customers table."""
    matches = customers.filter(spend__currency=currency, spend__net__gte=minimum)
    order = _by_signup("spend__", newest_first)
    return list(matches.order_by(*order).values_list("id", flat=True)[:limit])


def _by_signup(path: str, newest_first: bool) -> list[str]:
    """CustomerSpend's sign-up order (the customer table's), reached through `path`."""
    sign = "-" if newest_first else ""
    return [f"{sign}{path}customer_created_at", f"{sign}{path}customer_id"]


def _spending(business, currency: str, minimum: int, since=None, until=None):
    matches = CustomerSpend.objects.filter(business=business, currency=currency, net__gte=minimum)
    if since:
        matches = matches.filter(customer_created_at__gte=since)
    if until:
        matches = matches.filter(customer_created_at__lt=until)
    return matches


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
