"""Build Report's columns: every column a report can have, and the per-customer
figures behind the computed ones as SQL expressions, one correlated subquery each.

The report, the exports and the customer filters annotate (or filter) a
Customer queryset with these, so a list of a million customers with every
computed column is still one query: the database probes each customer's rows
through the `(business, customer, …)` indexes, never a query per row.

Definitions (also in the report page's help text):
- total paid (per currency): succeeded payments' `total_amount` minus succeeded
  refunds' `amount` in that currency — what the merchant kept. Pending and
  failed payments and refunds do not count. The database keeps it per customer
  and currency in CustomerSpend (triggers, see `summaries`), with the refunds
  total beside it.
- payments count and last payment: succeeded payments, any currency.
- active subscriptions: subscriptions whose status is `active`.
- wallet balance (per currency): the wallet's current balance, 0 without one.
- portal last visit: the latest `last_seen_at` of the customer's portal logins.
- tags: the customer's tag names, alphabetical, comma-separated.
- credits (per live credit entitlement, `credit_balance_<cde_…>` and
  `credit_overage_<cde_…>`): the customer's balance and overage of it, in credits;
  empty for a customer who holds none. The business's own entitlements only (at
  most `COLUMN_ENTITLEMENTS_MAX`, by name), so the registry is per business.

Money is in integer minor units of the currency, as everywhere else. Several
figures from one table come from one probe: `payment_figures`, `spend_figures`
and `wallet_figures` return a small JSON object per customer (`{"usd": 1250,
"inr": null, "usd_refunded": 0, …}`), and `credit_figures` one keyed by entitlement.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from customers.models import CustomerSpend, Payment, Subscription
from customers.notes.selectors import TagNames
from customers.selectors import of_customer
from customers.tables import CustomerTable
from portal.models import PortalLogin
from wallets.credits.models import CreditEntitlement
from wallets.credits.selectors import credit_figures
from wallets.models import Wallet

_BIGINT = models.BigIntegerField()


def _total(queryset, expression) -> Subquery:
    """One aggregate over the outer customer's rows, as a scalar subquery."""
    return Subquery(
        queryset.order_by().values("customer").annotate(total=expression).values("total"),
        output_field=_BIGINT,
    )


def active_subscriptions():
    active = of_customer(Subscription).filter(status=Subscription.Status.ACTIVE)
    return Coalesce(_total(active, Count("id")), 0, output_field=_BIGINT)


def portal_last_visit_at():
    latest = (
        PortalLogin.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(last=Max("last_seen_at"))
        .values("last")
    )
    return Subquery(latest, output_field=models.DateTimeField())


def tag_names():
    return TagNames(F("business"), F("pk"))


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
    succeeded = of_customer(Payment).filter(status=Payment.Status.SUCCEEDED)
    return _bundle(succeeded, n=Count("id"), last=Max("created_at"))


def spend_figures(currencies):
    """Kept totals per currency: net paid under `usd`, refunds under `usd_refunded`, …"""
    figures = {}
    for c in currencies:
        figures[c.lower()] = Max("net", filter=Q(currency=c))
        figures[f"{c.lower()}_refunded"] = Max("refunded", filter=Q(currency=c))
    return _bundle(of_customer(CustomerSpend), **figures)


def wallet_figures(currencies):
    """Wallet balances per currency (lower-case keys); one wallet per currency."""
    return _bundle(
        of_customer(Wallet), **{c.lower(): Max("balance", filter=Q(currency=c)) for c in currencies}
    )


@dataclass(frozen=True)
class ReportColumn:
    name: str  # stable: used in URLs, saved reports and the export's header row
    label: object  # lazy, for people
    kind: str  # "text", "user_text", "json", "datetime", "money", "count", "credits"
    currency: str = ""
    computed: bool = False
    # What the query selects for it (a Customer field or a key of SOURCES), and
    # how the cell's value is picked from those values (None: the value itself).
    sources: tuple[str, ...] = ()
    pick: Callable | None = field(default=None, compare=False)
    precision: int = 0  # "credits": the entitlement's decimals


def plain_time(column: ReportColumn) -> bool:
    """A timestamp column that is a customer's own field (created_at, updated_at)."""
    return column.kind == "datetime" and not column.computed and column.pick is None


def _currency_label(text, currency):
    return f"{text} ({currency})"


_lazy_currency_label = lazy(_currency_label, str)


def column_sources(currencies: tuple[str, ...], credit_ids=()) -> dict[str, Callable]:
    """Computed values the query can select, by name: one subquery each."""
    return {
        "credits": lambda: credit_figures(credit_ids),
        "pay": payment_figures,
        "spend": lambda: spend_figures(currencies),
        "wal": lambda: wallet_figures(currencies),
        "subs": active_subscriptions,
        "visit": portal_last_visit_at,
        "tags": tag_names,
        # The database's own JSON text: no parse and re-encode per row.
        "metadata_text": lambda: Cast(F("metadata"), TextField()),
    }


def _key(name: str) -> Callable:
    return lambda figures: figures.get(name) if figures else None


def _paid(currency: str) -> Callable:
    """Total paid: 0 for a customer who never paid in that currency."""
    return lambda figures: (figures or {}).get(currency) or 0


def _refunded(currency: str) -> Callable:
    """Refunds total: empty for a customer never refunded in that currency."""
    return lambda figures: (figures or {}).get(f"{currency}_refunded") or None


@cache
def _registry(currencies: tuple[str, ...]) -> dict[str, ReportColumn]:
    table = CustomerTable.base_columns
    kinds = {
        "id": "text",
        "created_at": "datetime",
        "updated_at": "datetime",
        "preferred_locale": "text",
    }
    columns = [
        ReportColumn(name, table[name].verbose_name, kinds.get(name, "user_text"), sources=(name,))
        for name in table
        if name
        not in (*CustomerTable.editor_columns, *CustomerTable.figure_columns, "metadata", "tags")
    ]
    columns.append(
        ReportColumn(
            "tags", table["tags"].verbose_name, "user_text", computed=True, sources=("tags",)
        )
    )
    columns.append(
        ReportColumn("metadata", table["metadata"].verbose_name, "json", sources=("metadata_text",))
    )
    # Billing details: stored on the customer, typed by people (hence user_text).
    columns += [
        ReportColumn(
            "business_name", gettext_lazy("Business name"), "user_text", sources=("business_name",)
        ),
        ReportColumn("tax_id", gettext_lazy("Tax ID"), "user_text", sources=("tax_id",)),
        ReportColumn(
            "billing_street",
            gettext_lazy("Billing street"),
            "user_text",
            sources=("billing_street",),
        ),
        ReportColumn(
            "billing_city", gettext_lazy("Billing city"), "user_text", sources=("billing_city",)
        ),
        ReportColumn(
            "billing_state", gettext_lazy("Billing state"), "user_text", sources=("billing_state",)
        ),
        ReportColumn(
            "billing_zipcode",
            gettext_lazy("Billing postal code"),
            "user_text",
            sources=("billing_zipcode",),
        ),
        ReportColumn(
            "billing_country", gettext_lazy("Billing country"), "text", sources=("billing_country",)
        ),
    ]
    money = _lazy_currency_label
    for c in currencies:
        columns.append(
            ReportColumn(
                f"total_paid_{c.lower()}",
                money(gettext_lazy("Total paid"), c),
                "money",
                c,
                True,
                ("spend",),
                _paid(c.lower()),
            )
        )
    columns += [
        ReportColumn(
            "payments_count",
            gettext_lazy("Payments"),
            "count",
            computed=True,
            sources=("pay",),
            pick=_key("n"),
        ),
        ReportColumn(
            "last_payment_at",
            gettext_lazy("Last payment (UTC)"),
            "datetime",
            computed=True,
            sources=("pay",),
            pick=_key("last"),
        ),
    ]
    columns += [
        ReportColumn(
            f"refunds_total_{c.lower()}",
            money(gettext_lazy("Refunded"), c),
            "money",
            c,
            True,
            ("spend",),
            _refunded(c.lower()),
        )
        for c in currencies
    ]
    columns.append(
        ReportColumn(
            "active_subscriptions",
            gettext_lazy("Active subscriptions"),
            "count",
            computed=True,
            sources=("subs",),
        )
    )
    columns += [
        ReportColumn(
            f"wallet_balance_{c.lower()}",
            money(gettext_lazy("Wallet balance"), c),
            "money",
            c,
            True,
            ("wal",),
            _key(c.lower()),
        )
        for c in currencies
    ]
    columns.append(
        ReportColumn(
            "portal_last_visit_at",
            gettext_lazy("Portal last visit (UTC)"),
            "datetime",
            computed=True,
            sources=("visit",),
        )
    )
    return {column.name: column for column in columns}


def _overage(pk: str) -> Callable:
    """Overage: 0 for a customer holding the credit, empty for one who does not."""
    return lambda figures: None if (figures or {}).get(pk) is None else figures.get(f"{pk}_over")


def credit_columns(entitlements) -> list[ReportColumn]:
    """Balance and overage of each of these entitlements (the business's live ones)."""
    columns = []
    for entitlement in entitlements:
        pk, name = entitlement.pk, entitlement.name
        columns += [
            ReportColumn(
                f"credit_balance_{pk}",
                _lazy_currency_label(gettext_lazy("Credits"), name),
                "credits",
                computed=True,
                precision=entitlement.precision,
                sources=("credits",),
                pick=_key(pk),
            ),
            ReportColumn(
                f"credit_overage_{pk}",
                _lazy_currency_label(gettext_lazy("Credit overage"), name),
                "credits",
                computed=True,
                precision=entitlement.precision,
                sources=("credits",),
                pick=_overage(pk),
            ),
        ]
    return columns


def report_columns(entitlements: list[CreditEntitlement] = ()) -> dict[str, ReportColumn]:
    """Every column a report can have, by name, in the order the builder lists them;
    with the credit columns of these entitlements (one business's) last."""
    registry = _registry(tuple(c.upper() for c in settings.WALLET_CURRENCIES))
    if not entitlements:
        return registry
    return {**registry, **{c.name: c for c in credit_columns(entitlements)}}


def with_table_figures(queryset, columns, credit_ids=()):
    """The customer table's queryset with the kept figures its shown figure columns
    read (`r_spend`, `r_wal`, …): one correlated subquery per source, evaluated for
    the page's rows only. `credit_ids`: the entitlements the credits column shows."""
    currencies = tuple(c.upper() for c in settings.WALLET_CURRENCIES)
    sources = column_sources(currencies, list(credit_ids))
    figures = CustomerTable.figure_columns
    needed = sorted({figures[c] for c in columns if c in figures})
    return queryset.annotate(**{f"r_{s}": sources[s]() for s in needed})


# A figure column of the table is one or more report columns (one per currency).
_TABLE_TO_REPORT = {
    "total_paid": "total_paid_{}",
    "refunded": "refunds_total_{}",
    "wallet_balance": "wallet_balance_{}",
}


def report_names(table_columns, entitlements=()) -> list[str]:
    """The report (and export) columns that show what these table columns show; the
    credits column is each entitlement's balance (and overage, where it is allowed)."""
    names: list[str] = []
    for name in table_columns:
        pattern = _TABLE_TO_REPORT.get(name)
        if name == "credits":
            for entitlement in entitlements:
                names.append(f"credit_balance_{entitlement.pk}")
                if entitlement.overage_enabled:
                    names.append(f"credit_overage_{entitlement.pk}")
        elif pattern is None:
            names.append(name)
        else:
            names += [pattern.format(c.lower()) for c in settings.WALLET_CURRENCIES]
    return names


# The table's paging parameters: an export has every matching row.
_PAGING = ("page", "per_page")


def export_url(query: QueryDict, fmt: str, *, visible, entitlements) -> str:
    """`/customers/export.<fmt>` with the table's search, filters and sort (`query`)
    and the `visible` columns (the credit columns named by `entitlements`)."""
    query = query.copy()
    for key in _PAGING:
        query.pop(key, None)
    columns = report_names(
        (name for name in visible if name not in CustomerTable.editor_columns), entitlements
    )
    if columns:
        query["columns"] = ",".join(columns)
    encoded = query.urlencode(safe=",")
    url = reverse(f"customers:export_{fmt}")
    return f"{url}?{encoded}" if encoded else url
