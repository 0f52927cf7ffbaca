"""The customer details page's Credits tab (balances, grants, ledger, grant or deduct
by hand with a confirmation), and Settings → Credits (define entitlements, attach
them to products).

The details page (customers.views) renders the tab for `?tab=credits` with
`credits_tab_context()`; choosing an entitlement or a ledger page asks the same page
for its `credits-tab` partial. The adjust form posts here and re-renders the tab.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.errors import DomainError
from customers.core.htmx import render_page
from customers.core.pagination import tab_page
from customers.models import Customer, Product
from customers.selectors import customer_get
from wallets.credits import selectors
from wallets.credits.amounts import credits_display
from wallets.credits.entitlements import (
    entitlement_create,
    entitlement_delete,
    entitlement_undelete,
    entitlement_update,
    product_credits_set,
)
from wallets.credits.errors import InvalidCreditRequest
from wallets.credits.forms import CreditAdjustForm, EntitlementForm, ProductCreditForm
from wallets.credits.models import CreditBalance, CreditEntitlement, ProductCredit, TransactionType
from wallets.credits.services import credit_debit, credit_grant

LEDGER_PER_PAGE = 20
GRANTS_SHOWN = 50


def _tab_url(customer, **params) -> str:
    query = urlencode({"tab": "credits", **{k: v for k, v in params.items() if v}})
    return f"{reverse('customers:detail', args=[customer.pk])}?{query}"


def credits_tab_context(*, customer: Customer, params, form=None, confirm=None, notice="") -> dict:
    """Everything `wallets/credits/_credits_tab.html` needs, under `credits_tab`.

    A fixed number of queries: the entitlements, the customer's balances, one
    entitlement's grants (capped) and one page of its ledger."""
    entitlements = list(selectors.entitlements(customer.business_id)[:100])
    balances = {b.entitlement_id: b for b in selectors.customer_balances(customer)}
    chosen = next((e for e in entitlements if e.pk == params.get("entitlement")), None)
    chosen = chosen or next((e for e in entitlements if e.pk in balances), None)
    chosen = chosen or (entitlements[0] if entitlements else None)
    cards = [
        {
            "entitlement": e,
            "balance": credits_display(
                balances[e.pk].balance if e.pk in balances else 0, e.precision
            ),
            "overage": credits_display(balances[e.pk].overage, e.precision)
            if e.pk in balances and balances[e.pk].overage
            else "",
            "current": chosen is not None and e.pk == chosen.pk,
            "href": _tab_url(customer, entitlement=e.pk),
        }
        for e in entitlements
    ]
    balance = balances.get(chosen.pk) if chosen else None
    grants, rows, paginator, page = [], [], None, None
    if balance is not None:
        grants = list(selectors.grants(balance)[:GRANTS_SHOWN])
        paginator, page = tab_page(selectors.ledger(balance), params, per_page=LEDGER_PER_PAGE)
        rows = list(page)

    def link(page_number):
        return _tab_url(customer, entitlement=chosen.pk, page=page_number)

    return {
        "credits_tab": {
            "cards": cards,
            "chosen": chosen,
            "balance": balance,
            "grants": grants,
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "previous": link(page.previous_page_number()) if page and page.has_previous() else "",
            "next": link(page.next_page_number()) if page and page.has_next() else "",
            "form": form
            or CreditAdjustForm(
                entitlements=entitlements,
                initial={"entitlement": chosen.pk} if chosen else None,
            ),
            "form_open": form is not None,
            "confirm": confirm,
            "notice": notice,
            "adjust_url": reverse("credits:adjust", args=[customer.pk]),
        }
    }


def _render(request, customer, **extra):
    params = request.POST if request.method == "POST" else request.GET
    context = {
        "customer": customer,
        **credits_tab_context(customer=customer, params=params, **extra),
    }
    return render_page(request, "wallets/credits/credits_page.html", "credits-tab", context)


@editor_required
@require_POST
def credits_adjust(request, customer_id):
    """Grant / Deduct: validate → confirm → post once; errors re-render the form (200)."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    entitlements = list(selectors.entitlements(request.business)[:100])
    form = CreditAdjustForm(request.POST, entitlements=entitlements)
    if "back" in request.POST or not form.is_valid():
        if "back" in request.POST:
            form = CreditAdjustForm(entitlements=entitlements, initial=dict(request.POST.items()))
        return _render(request, customer, form=form)
    data = form.cleaned_data
    entitlement = data["entitlement_obj"]
    if not data.get("confirmed"):
        before = (
            CreditBalance.objects.for_business(request.business)
            .filter(customer=customer, entitlement=entitlement)
            .values_list("balance", flat=True)
            .first()
            or 0
        )
        delta = data["milli"] if data["direction"] == "credit" else -data["milli"]
        confirm = {
            "values": form.confirmation(),
            "direction": data["direction"],
            "entitlement": entitlement,
            "amount": credits_display(data["milli"], entitlement.precision),
            "before": credits_display(before, entitlement.precision),
            "after": credits_display(max(before + delta, 0), entitlement.precision),
            "short": before + delta < 0,
            "reason": data["reason"],
        }
        return _render(request, customer, form=form, confirm=confirm)
    post = credit_grant if data["direction"] == "credit" else credit_debit
    try:
        entry = post(
            business=request.business,
            entitlement=entitlement,
            customer=customer,
            amount=data["milli"],
            actor=Actor.user(request.user),
            reason=data["reason"],
            transaction_type=TransactionType.MANUAL_ADJUSTMENT,
            idempotency_key=f"dashboard:{data['token']}" if data.get("token") else None,
        )
    except DomainError as exc:
        retry = CreditAdjustForm(
            {**request.POST.dict(), "confirmed": "", "token": ""}, entitlements=entitlements
        )
        retry.is_valid()
        retry.add_error("amount", exc.message)
        return _render(request, customer, form=retry)
    amount = credits_display(entry.amount, entitlement.precision)
    balance = credits_display(entry.balance_after, entitlement.precision)
    notice = (
        _("Granted %(amount)s %(unit)s. New balance %(balance)s.")
        if entry.is_credit
        else _("Deducted %(amount)s %(unit)s. New balance %(balance)s.")
    ) % {"amount": amount, "unit": entitlement.unit, "balance": balance}
    if request.htmx:
        return _render(request, customer, notice=notice)
    messages.success(request, notice)
    return redirect(_tab_url(customer, entitlement=entitlement.pk))


def _entitlement(request, entitlement_id) -> CreditEntitlement:
    return get_object_or_404(
        CreditEntitlement.objects.for_business(request.business), pk=entitlement_id
    )


def _save(request, form, entitlement=None):
    """Run the service; a refusal becomes an error on the field it names."""
    values = form.values()
    if form.errors:
        return None
    actor = Actor.user(request.user)
    try:
        if entitlement is None:
            return entitlement_create(business=request.business, actor=actor, **values)
        return entitlement_update(entitlement=entitlement, actor=actor, **values)
    except InvalidCreditRequest as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@never_cache
@editor_required
def credit_settings(request):
    """Settings → Credits: the entitlements and a form to add one."""
    form = EntitlementForm(request.POST or None, initial={"expiry": "never"})
    if request.method == "POST" and form.is_valid() and (created := _save(request, form)):
        messages.success(request, _("Credit “%(name)s” created.") % {"name": created.name})
        return redirect("credit_settings_detail", entitlement_id=created.pk)
    context = {
        "form": form,
        "entitlements": list(selectors.entitlements(request.business)[:100]),
        "deleted": list(selectors.entitlements(request.business, deleted=True)[:100]),
    }
    return render(request, "wallets/credits/settings.html", context)


@never_cache
@editor_required
def credit_settings_detail(request, entitlement_id):
    """Edit one entitlement and the products that grant it."""
    entitlement = _entitlement(request, entitlement_id)
    form = EntitlementForm(
        request.POST or None, editing=True, initial=EntitlementForm.initial_from(entitlement)
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, entitlement):
        messages.success(request, _("Credit saved."))
        return redirect("credit_settings_detail", entitlement_id=entitlement.pk)
    return _detail(request, entitlement, form, _product_form(request, entitlement))


def _product_form(request, entitlement, data=None) -> ProductCreditForm:
    products = list(
        Product.objects.for_business(request.business).filter(archived=False).order_by("name")[:200]
    )
    return ProductCreditForm(data, products=products, precision=entitlement.precision)


def _detail(request, entitlement, form, product_form):
    attached = list(
        ProductCredit.objects.for_business(request.business)
        .filter(entitlement=entitlement)
        .select_related("product")
        .order_by("product__name")
    )
    rows = [(pc, credits_display(pc.amount, entitlement.precision)) for pc in attached]
    context = {
        "entitlement": entitlement,
        "form": form,
        "product_form": product_form,
        "attached": rows,
    }
    return render(request, "wallets/credits/settings_detail.html", context)


@editor_required
@require_POST
def credit_settings_product(request, entitlement_id):
    """Attach the entitlement to a product (or change its amount); 0 detaches."""
    entitlement = _entitlement(request, entitlement_id)
    if request.POST.get("remove"):
        product = get_object_or_404(
            Product.objects.for_business(request.business), pk=request.POST["remove"]
        )
        product_credits_set(
            product=product, entitlement=entitlement, amount=0, actor=Actor.user(request.user)
        )
        messages.success(request, _("Product detached."))
        return redirect("credit_settings_detail", entitlement_id=entitlement.pk)
    product_form = _product_form(request, entitlement, request.POST)
    if product_form.is_valid():
        product = product_form.products[product_form.cleaned_data["product"]]
        product_credits_set(
            product=product,
            entitlement=entitlement,
            amount=product_form.cleaned_data["amount"],
            actor=Actor.user(request.user),
        )
        messages.success(
            request, _("%(product)s now grants these credits.") % {"product": product.name}
        )
        return redirect("credit_settings_detail", entitlement_id=entitlement.pk)
    form = EntitlementForm(editing=True, initial=EntitlementForm.initial_from(entitlement))
    return _detail(request, entitlement, form, product_form)


@editor_required
@require_POST
def credit_settings_delete(request, entitlement_id):
    """Soft delete, or restore (`restore=1`)."""
    entitlement = _entitlement(request, entitlement_id)
    actor = Actor.user(request.user)
    if request.POST.get("restore"):
        entitlement_undelete(entitlement=entitlement, actor=actor)
        messages.success(request, _("Credit restored."))
    else:
        entitlement_delete(entitlement=entitlement, actor=actor)
        messages.success(request, _("Credit deleted. Balances and history are kept."))
    return redirect("credit_settings")
