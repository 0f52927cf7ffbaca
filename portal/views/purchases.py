"""Buying in the portal: a credit pack (Credits page → confirm → result) and a wallet
top-up (Wallet page → amount → confirm → result), charged to a saved method through
the gateway (`customers.billing.purchases`). Every query starts from request.customer;
another business's pack is a 404."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor
from customers.billing import auto_top_up, purchases
from customers.billing.gateway import get_gateway
from customers.core.errors import DomainError
from customers.models import Payment, SavedPaymentMethod
from portal.auth import portal_login_required
from portal.purchase_forms import AutoTopUpForm, ConfirmForm, TopUpForm, new_token
from portal.views.self_service import _render
from wallets.credits.amounts import credits_text
from wallets.credits.models import CreditAutoTopUp
from wallets.models import EventType, LedgerEntry
from wallets.topups import bonus_label, top_up_rules


def _needs_method(request, back: str):
    """No saved method: off to add one, and back here after."""
    if SavedPaymentMethod.objects.usable().filter(customer=request.customer).exists():
        return None
    messages.info(request, _("Add a payment method first; you come back here after."))
    return redirect(f"{reverse('portal:payment_methods')}?next={back}")


def _charge(request, form, **kwargs):
    """Run the purchase with the confirmed form; a refusal becomes a form error."""
    data = form.cleaned_data
    try:
        bought = purchases.purchase_charge(
            customer=request.customer,
            payment_method=data["payment_method"],
            idempotency_key=f"purchase:{request.customer.pk}:{data['token']}",
            gateway=get_gateway(),
            actor=Actor.customer(request.customer),
            **kwargs,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    return redirect("portal:purchase", payment_id=bought.payment.pk)


@portal_login_required
def pack_buy(request, product_id):
    """The confirm step: the pack, what it grants, the price and the card charged."""
    product = get_object_or_404(purchases.credit_packs(request.customer.business), pk=product_id)
    here = reverse("portal:pack_buy", args=[product.pk])
    if (away := _needs_method(request, here)) is not None:
        return away
    form = ConfirmForm(request.POST or None, customer=request.customer)
    if request.method == "POST" and form.is_valid():
        done = _charge(request, form, kind=purchases.PACK, product=product)
        if done is not None:
            return done
    if not form.is_bound:
        form = ConfirmForm(initial={"token": new_token()}, customer=request.customer)
    grants = purchases.pack_grants([product]).get(product.pk, [])
    today = timezone.now()
    for link in grants:
        days = link.entitlement.expires_after_days
        link.expires_on = today + dt.timedelta(days=days) if days else None
    return _render(
        request, "portal/credit_pack_buy.html", {"product": product, "grants": grants, "form": form}
    )


@portal_login_required
def wallet_top_up(request):
    """Amount → confirm (amount, bonus, card) → result."""
    if (away := _needs_method(request, reverse("portal:wallet_top_up"))) is not None:
        return away
    rules = top_up_rules(request.customer.business)
    currencies = [r.currency for r in rules]
    chosen = request.POST.get("currency") or request.GET.get("currency")
    form = TopUpForm(
        request.POST or None,
        business=request.customer.business,
        currencies=currencies,
        initial={"currency": chosen if chosen in currencies else None},
    )
    confirm, summary = None, None
    if request.method == "POST" and form.is_valid():
        amount, currency = form.cleaned_data["minor_amount"], form.cleaned_data["currency"]
        rule = next(r for r in rules if r.currency == currency)
        bonus = rule.bonus_for(amount)
        summary = {"amount": amount, "currency": currency, "bonus": bonus, "total": amount + bonus}
        if "confirm" in request.POST:
            confirm = ConfirmForm(request.POST, customer=request.customer)
            if confirm.is_valid():
                done = _charge(request, confirm, kind=purchases.TOP_UP, amount=(amount, currency))
                if done is not None:
                    return done
        else:
            confirm = ConfirmForm(initial={"token": new_token()}, customer=request.customer)
    return _render(
        request,
        "portal/wallet_top_up.html",
        {
            "form": form,
            "confirm": confirm,
            "summary": summary,
            "rules": [(r, bonus_label(r)) for r in rules],
        },
    )


@portal_login_required
def purchase(request, payment_id):
    """What became of a purchase: paid (and what it added), declined (and why), or
    still being processed."""
    payment = get_object_or_404(
        Payment.objects.filter(customer=request.customer, subscription__isnull=True).select_related(
            "product"
        ),
        pk=payment_id,
    )
    kind = (payment.metadata or {}).get("purchase")
    if kind not in purchases.KINDS:
        return redirect("portal:billing")
    grants = []
    if payment.product_id:
        grants = purchases.pack_grants([payment.product]).get(payment.product_id, [])
    bonus = (
        LedgerEntry.objects.filter(
            customer=request.customer,
            reference_id=payment.pk,
            event_type=EventType.PROMOTIONAL_BONUS,
        ).first()
        if kind == "wallet_top_up"
        else None
    )
    return _render(
        request,
        "portal/purchase_result.html",
        {
            "payment": payment,
            "kind": kind,
            "grants": grants,
            "bonus": bonus,
            "decline": purchases.decline_message(payment) if payment.error_code else "",
        },
    )


def auto_top_up_card(request, entitlement) -> dict:
    """The Credits page's auto top-up card for `entitlement`: its form (saved on a
    POST with form=auto_top_up: the result has "saved"), this month's use."""
    packs = auto_top_up.auto_top_up_packs(entitlement)
    rule = CreditAutoTopUp.objects.filter(customer=request.customer, entitlement=entitlement)
    rule = rule.select_related("product").first()
    initial = {"enabled": True, "monthly_limit": 3}
    if rule is not None:
        initial = {
            "enabled": rule.enabled,
            "threshold": credits_text(rule.threshold, entitlement.precision),
            "product": rule.product_id,
            "monthly_limit": rule.monthly_limit,
        }
    posted = request.method == "POST" and request.POST.get("form") == "auto_top_up"
    form = AutoTopUpForm(
        request.POST if posted else None,
        initial=initial,
        packs=packs,
        precision=entitlement.precision,
    )
    if posted and form.is_valid():
        try:
            auto_top_up.auto_top_up_set(
                customer=request.customer,
                entitlement=entitlement,
                actor=Actor.customer(request.customer),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Auto top-up saved."))
            return {"saved": True}
    has_method = (
        SavedPaymentMethod.objects.usable()
        .filter(customer=request.customer, recurring_enabled=True)
        .exists()
    )
    return {
        "form": form,
        "rule": rule,
        "has_packs": packs.exists(),
        "has_method": has_method,
        "used": auto_top_up.runs_this_month(rule, timezone.now()) if rule else 0,
    }
