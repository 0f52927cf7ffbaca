"""The Wallet Ledger tab's own endpoints: its HTMX fragment and the Credit / Debit form.

The customer details page (customers app) renders the tab for `?tab=wallet` by
including `wallets/_wallet_tab.html` with `wallet_tab_context()`; these views
serve the same fragment to HTMX (paging, currency filter, the form) and a
minimal full page when JavaScript is off.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from customers.accounts.permissions import business_required, editor_required
from customers.audit import Actor
from customers.core.errors import DomainError
from customers.core.money import format_money
from customers.models import Customer
from wallets import selectors
from wallets.errors import InsufficientWalletFunds
from wallets.forms import WalletAdjustForm
from wallets.models import Direction, EventType
from wallets.services import ledger_post

FRAGMENT = "wallets/_wallet_tab.html"
PAGE = "wallets/wallet_page.html"


def _customer(request, customer_id) -> Customer:
    return get_object_or_404(Customer.objects.for_business(request.business), pk=customer_id)


def _detail_url(customer, **params) -> str:
    query = urlencode({"tab": "wallet", **{k: v for k, v in params.items() if v}})
    return f"{reverse('customers:detail', args=[customer.pk])}?{query}"


def _render(request, customer, params, *, form=None, notice="", confirm=None):
    context = {
        "customer": customer,
        **selectors.wallet_tab_context(customer=customer, params=params),
    }
    if form is not None:
        context["wallet_tab"]["form"] = form
        context["wallet_tab"]["form_open"] = True
    context["wallet_tab"]["notice"] = notice
    context["wallet_tab"]["confirm"] = confirm
    template = FRAGMENT if request.htmx else PAGE
    return render(request, template, context)


@business_required
@vary_on_headers("HX-Request")
def wallet_tab(request, customer_id):
    """The tab fragment for HTMX; without HTMX, the details page's wallet tab."""
    customer = _customer(request, customer_id)
    if not request.htmx or request.htmx.history_restore_request:
        return redirect(
            _detail_url(
                customer, currency=request.GET.get("currency"), page=request.GET.get("page")
            )
        )
    return _render(request, customer, request.GET)


@editor_required
@require_POST
@vary_on_headers("HX-Request")
def wallet_adjust(request, customer_id):
    """Credit / Debit: validate → confirm → post once; errors re-render the form (200)."""
    customer = _customer(request, customer_id)
    form = WalletAdjustForm(request.POST)
    if "back" in request.POST or not form.is_valid():
        if "back" in request.POST:
            typed = {k: form.data.get(k) for k in ("direction", "currency", "amount", "reason")}
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
