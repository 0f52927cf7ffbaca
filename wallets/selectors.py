"""Wallet reads shared by the dashboard, the API, the portal and reports."""

from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse

from customers.core.pagination import CappedPaginator
from customers.models import Customer
from wallets.forms import WalletAdjustForm
from wallets.models import LedgerEntry, Wallet
from wallets.services import supported_currencies


def balance(customer: Customer, currency: str) -> int:
    """The customer's balance in `currency`, in minor units; 0 when there is no wallet."""
    value = (
        Wallet.objects.for_business(customer.business_id)
        .filter(customer=customer, currency=currency.upper())
        .values_list("balance", flat=True)
        .first()
    )
    return value or 0


def wallets_for(customer: Customer) -> list[Wallet]:
    """One wallet per configured currency, in the setting's order; one query.

    A currency with no wallet row yet is an unsaved `Wallet` with balance 0
    (`pk` and `created_at` None): listing never creates rows.
    """
    currencies = supported_currencies()
    existing = {
        w.currency: w
        for w in Wallet.objects.for_business(customer.business_id).filter(
            customer=customer, currency__in=currencies
        )
    }
    return [
        existing.get(c)
        or Wallet(
            business_id=customer.business_id,
            customer=customer,
            currency=c,
            balance=0,
            created_at=None,
            updated_at=None,
        )
        for c in currencies
    ]


def ledger_entries(customer: Customer, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """The customer's ledger, newest first; optionally one currency."""
    entries = LedgerEntry.objects.for_business(customer.business_id).filter(customer=customer)
    if currency:
        entries = entries.filter(currency=currency.upper())
    return entries.order_by("-created_at", "-id")


def with_wallet_balance(customers: QuerySet[Customer], value: bool) -> QuerySet[Customer]:
    """Customers with (or without) money in some wallet, by an EXISTS subquery."""
    funded = Wallet.objects.filter(
        business=OuterRef("business_id"), customer=OuterRef("pk"), balance__gt=0
    )
    return customers.filter(Exists(funded)) if value else customers.exclude(Exists(funded))


# The details pages a ledger entry's reference can link to, by ID prefix. Names
# that are not (yet) in the URLconf are skipped and the ID is shown as text.
REFERENCE_URL_NAMES = {
    "pay_": ("customers:payment_detail", "customers:payment"),
    "ref_": ("customers:refund_detail", "customers:refund", "customers:refund_receipt"),
    "sub_": ("customers:subscription_detail", "customers:subscription"),
}
LEDGER_PER_PAGE = 20
LEDGER_COUNT_CAP = 10_000


def reference_url(reference_id: str, customer_id: str) -> str:
    """The dashboard URL of the payment / refund behind an entry, or ""."""
    names = REFERENCE_URL_NAMES.get(reference_id[:4], ())
    for name in names:
        for args in ([reference_id], [customer_id, reference_id]):
            try:
                return reverse(name, args=args)
            except NoReverseMatch:
                continue
    return ""


def wallet_tab_context(*, customer: Customer, params) -> dict:
    """Everything `wallets/_wallet_tab.html` needs, under one `wallet_tab` key.

    `params` is the query string (`currency`, `page`). Three queries whatever the
    page: the wallets, a count capped at LEDGER_COUNT_CAP, and one page of entries.
    """
    currencies = supported_currencies()
    currency = (params.get("currency") or "").upper()
    if currency not in currencies:
        currency = ""
    entries = ledger_entries(customer, currency or None)
    paginator = CappedPaginator(
        entries, LEDGER_PER_PAGE, count_queryset=entries, cap=LEDGER_COUNT_CAP
    )
    page = paginator.get_page(params.get("page"))
    rows = [(entry, reference_url(entry.reference_id, customer.pk)) for entry in page]
    detail_url = reverse("customers:detail", args=[customer.pk])
    tab_url = reverse("wallets:tab", args=[customer.pk])

    def link(**query) -> dict:
        """A real href on the details page, and the fragment URL HTMX fetches."""
        query = urlencode({k: v for k, v in query.items() if v})
        return {
            "href": f"{detail_url}?tab=wallet" + (f"&{query}" if query else ""),
            "hx": f"{tab_url}?{query}" if query else tab_url,
        }

    return {
        "wallet_tab": {
            "wallets": wallets_for(customer),
            "currency": currency,
            "filters": [
                {
                    "label": code or "",
                    "code": code,
                    "current": code == currency,
                    **link(currency=code),
                }
                for code in ["", *currencies]
            ],
            "page": page,
            "paginator": paginator,
            "rows": rows,
            "previous": link(currency=currency, page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next": link(currency=currency, page=page.next_page_number())
            if page.has_next()
            else None,
            "form": WalletAdjustForm(initial={"currency": currency} if currency else None),
            "form_open": False,
            "confirm": None,
            "notice": "",
            "adjust_url": reverse("wallets:adjust", args=[customer.pk])
            + (f"?{urlencode({'currency': currency})}" if currency else ""),
        }
    }
