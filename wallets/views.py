"""The customer details page's Wallet ledger tab, and its Credit / Debit form.

The details page (customers.views) renders the tab for `?tab=wallet` with
`wallet_tab_context()`; paging and the currency filter ask the same page for its
`wallet-tab` partial. The form posts here: it re-renders the tab (HTMX) or, with
JavaScript off, a minimal page around the same tab.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required, editor_required
from customers.audit import Actor
from customers.core.errors import DomainError
from customers.core.htmx import render_page
from customers.core.money import format_money
from customers.core.pagination import tab_page
from customers.models import Customer
from customers.selectors import customer_get
from wallets import selectors
from wallets.errors import InsufficientWalletFunds
from wallets.forms import WalletAdjustForm
from wallets.models import Direction, EventType
from wallets.services import ledger_post, supported_currencies


def _detail_url(customer, **params) -> str:
    query = urlencode({"tab": "wallet", **{k: v for k, v in params.items() if v}})
    return f"{reverse('customers:detail', args=[customer.pk])}?{query}"


# The details pages a ledger entry's reference can link to, by ID prefix. Names
# that are not (yet) in the URLconf are skipped and the ID is shown as text.
REFERENCE_URL_NAMES = {
    "pay_": ("customers:payment_detail", "customers:payment"),
    "ref_": ("customers:refund_detail", "customers:refund", "customers:refund_receipt"),
    "sub_": ("customers:subscription_detail", "customers:subscription"),
}
LEDGER_PER_PAGE = 20


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
    page: the wallets, a capped count (core.pagination.tab_page), and one page of entries.
    """
    currencies = supported_currencies()
    currency = (params.get("currency") or "").upper()
    if currency not in currencies:
        currency = ""
    entries = selectors.ledger_entries(customer, currency or None)
    paginator, page = tab_page(entries, params, per_page=LEDGER_PER_PAGE)
    rows = [(entry, reference_url(entry.reference_id, customer.pk)) for entry in page]

    def link(**query) -> dict:
        """The details page on the wallet tab with these parameters; HTMX requests it
        with `HX-Target: wallet-tab` and gets only the tab."""
        return {"href": _detail_url(customer, **query)}

    return {
        "wallet_tab": {
            "wallets": selectors.wallets_for(customer),
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
            # An empty form reads the same for every customer: kept per currency.
            "form_key": ("empty", currency, tuple(currencies)),
            "form_open": False,
            "confirm": None,
            "notice": "",
            "adjust_url": reverse("wallets:adjust", args=[customer.pk])
            + (f"?{urlencode({'currency': currency})}" if currency else ""),
        }
    }


def _render(request, customer, params, *, form=None, notice="", confirm=None):
    context = {
        "customer": customer,
        **wallet_tab_context(customer=customer, params=params),
    }
    if form is not None:
        context["wallet_tab"]["form"] = form
        context["wallet_tab"]["form_key"] = None  # filled in: drawn each time
        context["wallet_tab"]["form_open"] = True
    context["wallet_tab"]["notice"] = notice
    context["wallet_tab"]["confirm"] = confirm
    return render_page(request, "wallets/wallet_page.html", "wallet-tab", context)


@business_required
def wallet_tab(request, customer_id):
    """Old address of the tab: the details page's wallet tab, same currency and page."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    return redirect(
        _detail_url(customer, currency=request.GET.get("currency"), page=request.GET.get("page"))
    )


@editor_required
@require_POST
def wallet_adjust(request, customer_id):
    """Credit / Debit: validate → confirm → post once; errors re-render the form (200)."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    form = WalletAdjustForm(request.POST)
    if "back" in request.POST or not form.is_valid():
        if "back" in request.POST:
            names = ("direction", "currency", "amount", "reason", "description")
            typed = {k: form.data.get(k) for k in names}
            form = WalletAdjustForm(initial=typed)
        return _render(request, customer, request.GET, form=form)
    data = form.cleaned_data
    if not data.get("confirmed"):
        before = selectors.balance(customer, data["currency"])
        if data["direction"] == Direction.DEBIT and data["minor_amount"] > before:
            form.add_error("amount", _insufficient_message(data["currency"], before))
            return _render(request, customer, request.GET, form=form)
        delta = (
            data["minor_amount"] if data["direction"] == Direction.CREDIT else -data["minor_amount"]
        )
        confirm = {
            "direction": data["direction"],
            "currency": data["currency"],
            "amount": data["minor_amount"],
            "reason": data["reason"],
            "description": data.get("description", ""),
            "before": before,
            "after": before + delta,
        }
        return _render(request, customer, request.GET, form=form.confirmation(), confirm=confirm)
    try:
        entry = ledger_post(
            business=request.business,
            customer=customer,
            currency=data["currency"],
            amount=data["minor_amount"],
            direction=data["direction"],
            event_type=EventType.MERCHANT_ADJUSTMENT,
            reason=data["reason"],
            description=data.get("description", ""),
            actor=Actor.user(request.user),
            idempotency_key=f"dashboard:{data['token']}" if data.get("token") else None,
        )
    except DomainError as exc:
        return _render(request, customer, request.GET, form=_with_error(form, exc))
    amount = format_money(entry.amount, entry.currency)
    balance = format_money(entry.balance_after, entry.currency)
    if entry.is_credit:
        notice = _("Credited %(amount)s. New balance %(balance)s.")
    else:
        notice = _("Debited %(amount)s. New balance %(balance)s.")
    notice %= {"amount": amount, "balance": balance}
    if request.htmx:
        return _render(request, customer, request.GET, notice=notice)
    messages.success(request, notice)
    return redirect(_detail_url(customer))


def _insufficient_message(currency: str, balance: int) -> str:
    if balance == 0:
        return _("The %(currency)s wallet is empty, so there is nothing to debit.") % {
            "currency": currency
        }
    return _("The %(currency)s wallet holds %(balance)s; a debit can be at most that.") % {
        "currency": currency,
        "balance": format_money(balance, currency),
    }


def _with_error(form: WalletAdjustForm, exc: DomainError) -> WalletAdjustForm:
    """The form as typed (unconfirmed), with the service's error on the right field."""
    data = form.data.copy()
    data["confirmed"] = ""
    data["token"] = ""
    retry = WalletAdjustForm(data)
    retry.is_valid()
    field = getattr(exc, "field", "") or "amount"
    message = exc.message
    if isinstance(exc, InsufficientWalletFunds):
        message = _insufficient_message(exc.currency, exc.balance)
    retry.add_error(field if field in retry.fields else None, message)
    return retry
