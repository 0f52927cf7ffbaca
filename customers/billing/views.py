"""Dashboard views for one customer's payments, refunds, invoices and subscriptions.

Thin: look the object up inside the signed-in business (another merchant's ID is
a 404), call a service, turn a domain error into a form error or a message.
"""

import secrets

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required, editor_required
from customers.audit import Actor
from customers.billing import documents, invoices, refunds, subscriptions
from customers.billing.forms import RefundForm, SubscriptionCancelForm
from customers.core.errors import DomainError
from customers.core.money import format_money, to_decimal
from customers.models import Payment, Refund, Subscription
from customers.selectors import customer_get
from customers.views import detail_tab_url
from wallets.services import wallet_supports


def _payment(request, customer_id, payment_id) -> Payment:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    payments = Payment.objects.for_business(request.business).select_related(
        "customer", "product", "subscription", "business"
    )
    return get_object_or_404(payments.with_refund_totals(), pk=payment_id, customer=customer)


@business_required
def payment_detail(request, customer_id, payment_id):
    payment = _payment(request, customer_id, payment_id)
    blocker = refunds.refund_blocker(payment)
    return render(
        request,
        "customers/payment_detail.html",
        {
            "customer": payment.customer,
            "payment": payment,
            "refunds": payment.refunds.newest_first(),
            "license_keys": payment.license_keys.select_related("product").order_by("created_at"),
            "can_refund": blocker is None,
            "refund_blocker": blocker.message if blocker else "",
            "refundable": refunds.refundable_amount(payment),
        },
    )


@editor_required
def refund_create(request, customer_id, payment_id):
    """The refund form; a valid submit refunds once, however often it is sent."""
    payment = _payment(request, customer_id, payment_id)
    detail_url = reverse("customers:payment_detail", args=[customer_id, payment.pk])
    try:
        refundable = refunds.refund_allowance(payment)
    except DomainError as exc:
        if payment.status != Payment.Status.SUCCEEDED:  # the payment page explains the rest
            messages.error(request, exc.message)
        return redirect(detail_url)
    wallet_ok = wallet_supports(payment.currency)
    confirm = None
    if request.method == "POST":
        form = RefundForm(
            request.POST, payment=payment, refundable=refundable, wallet_available=wallet_ok
        )
        if "back" in request.POST:
            typed = {k: form.data.get(k) for k in ("amount", "reason", "destination", "token")}
            form = RefundForm(
                initial=typed, payment=payment, refundable=refundable, wallet_available=wallet_ok
            )
        elif form.is_valid() and not form.cleaned_data["confirmed"]:
            # Show the amount as it was read, and where it goes, before money moves.
            confirm = form.cleaned_data | {
                "destination_label": dict(form.fields["destination"].choices)[
                    form.cleaned_data["destination"]
                ],
                "left_after": refundable - form.cleaned_data["amount"],
            }
        elif form.is_valid():
            data = form.cleaned_data
            try:
                refund = refunds.refund_create(
                    payment=payment,
                    amount=data["amount"],
                    reason=data["reason"],
                    destination=data["destination"],
                    actor=Actor.user(request.user),
                    idempotency_key=f"form:{data['token']}",
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _refunded_message(refund))
                if request.POST.get("next") == "tab":
                    return redirect(detail_tab_url(customer_id, "transactions"))
                return redirect(detail_url)
    else:
        form = RefundForm(
            initial={
                "amount": _plain_amount(refundable, payment.currency),
                "token": secrets.token_urlsafe(24),
            },
            payment=payment,
            refundable=refundable,
            wallet_available=wallet_ok,
        )
    return render(
        request,
        "customers/refund_form.html",
        {
            "customer": payment.customer,
            "payment": payment,
            "form": form,
            "confirm": confirm,
            "refundable": refundable,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


def _refunded_message(refund: Refund) -> str:
    """Says how much, where the money went, its state and the refund's ID."""
    values = {
        "amount": format_money(refund.amount, refund.currency),
        "status": refund.get_status_display(),
        "id": refund.pk,
    }
    if refund.destination == Refund.Destination.WALLET:
        values["currency"] = refund.currency
        return (
            _(
                "Refunded %(amount)s to the customer's %(currency)s wallet (%(status)s). "
                "Refund ID %(id)s."
            )
            % values
        )
    return (
        _("Refunded %(amount)s to the original payment method (%(status)s). Refund ID %(id)s.")
        % values
    )


def _plain_amount(amount: int, currency: str) -> str:
    """1250 USD → "12.50", as a person would type it."""
    return str(to_decimal(amount, currency))


@business_required
def payment_invoice(request, customer_id, payment_id):
    payment = _payment(request, customer_id, payment_id)
    if payment.status != Payment.Status.SUCCEEDED:
        return render(
            request,
            "error.html",
            {
                "title": _("No invoice"),
                "message": _("Only a successful payment has an invoice."),
            },
            status=404,
        )
    pdf = documents.invoice_document(payment=payment)
    return invoices.pdf_response(pdf, documents.invoice_filename(payment))


@business_required
def refund_receipt(request, customer_id, refund_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    refund = get_object_or_404(
        Refund.objects.for_business(request.business).select_related(
            "payment", "customer", "business"
        ),
        pk=refund_id,
        customer=customer,
    )
    return invoices.pdf_response(
        invoices.refund_receipt_pdf(refund=refund), f"refund-{refund.pk}.pdf"
    )


def _subscription(request, customer_id, subscription_id) -> Subscription:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    subs = Subscription.objects.for_business(request.business).select_related("product", "customer")
    return get_object_or_404(subs, pk=subscription_id, customer=customer)


@editor_required
def subscription_cancel(request, customer_id, subscription_id):
    sub = _subscription(request, customer_id, subscription_id)
    back = detail_tab_url(customer_id, "subscriptions")
    form = SubscriptionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sub = subscriptions.subscription_cancel(
                subscription=sub,
                actor=Actor.user(request.user),
                at_next_billing_date=data["when"] == "next_billing_date",
                feedback=data["feedback"],
                comment=data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if sub.cancel_at_next_billing_date:
                messages.success(request, _("The subscription will end at its next billing date."))
            else:
                messages.success(request, _("The subscription is cancelled."))
            return redirect(back)
    return render(
        request,
        "customers/subscription_cancel.html",
        {"customer": sub.customer, "subscription": sub, "form": form, "back": back},
    )


@editor_required
@require_POST
def subscription_revoke_cancellation(request, customer_id, subscription_id):
    sub = _subscription(request, customer_id, subscription_id)
    try:
        subscriptions.subscription_cancellation_revoke(
            subscription=sub, actor=Actor.user(request.user)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The scheduled cancellation is revoked."))
    return redirect(detail_tab_url(customer_id, "subscriptions"))
