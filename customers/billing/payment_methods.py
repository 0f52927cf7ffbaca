"""A customer's saved payment methods: add (through the gateway), make default, remove.

The card number goes to the gateway and nowhere else: the gateway answers with a
token and the safe details (network, last four, expiry, holder, issuing country),
which are all a row, an Event or a log line ever holds. The gateway is asked before
the transaction that writes the row and told of a removal after it commits, so no
row lock is held across a gateway call. One default per customer (a partial unique
constraint); the first method saved becomes it.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing.gateway import MethodRefused, PaymentGateway
from customers.core.errors import PaymentMethodRefused
from customers.models import Customer, SavedPaymentMethod, Subscription


def _payload(method: SavedPaymentMethod) -> dict:
    return {"payment_method_id": method.pk, "type": method.kind, "label": method.label}


def payment_method_add(
    *,
    customer: Customer,
    gateway: PaymentGateway,
    actor: Actor,
    card_number: str = "",
    expiry_month: int | None = None,
    expiry_year: int | None = None,
    holder_name: str = "",
    upi_handle: str = "",
    make_default: bool = False,
    now: dt.datetime | None = None,
) -> SavedPaymentMethod:
    """Save a card or a UPI handle with the gateway and keep its safe details."""
    try:
        saved = gateway.save_method(
            card_number=card_number,
            expiry_month=expiry_month,
            expiry_year=expiry_year,
            holder_name=holder_name,
            upi_handle=upi_handle,
            now=now,
        )
    except MethodRefused as exc:
        raise PaymentMethodRefused(exc.message) from None
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer.pk)  # defaults take turns
        usable = SavedPaymentMethod.objects.usable().filter(customer=customer)
        first = not usable.exists()
        if make_default or first:
            usable.filter(is_default=True).update(is_default=False)
        method = SavedPaymentMethod.objects.create(
            business_id=customer.business_id,
            customer=customer,
            kind=saved.kind,
            gateway_token=saved.token,
            card_network=saved.card_network,
            card_last_four=saved.card_last_four,
            expiry_month=saved.expiry_month,
            expiry_year=saved.expiry_year,
            holder_name=saved.holder_name,
            issuing_country=saved.issuing_country,
            upi_handle=saved.upi_handle,
            is_default=make_default or first,
        )
        event_record(method, type="payment_method.added", actor=actor, payload=_payload(method))
    return method


def payment_method_set_default(
    *, payment_method: SavedPaymentMethod, actor: Actor
) -> SavedPaymentMethod:
    """Renewals of subscriptions without their own method now charge this one."""
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=payment_method.customer_id)
        method = SavedPaymentMethod.objects.usable().get(pk=payment_method.pk)
        if method.is_default:
            return method
        SavedPaymentMethod.objects.usable().filter(
            customer_id=method.customer_id, is_default=True
        ).update(is_default=False)
        method.is_default = True
        method.save(update_fields=["is_default"])
        event_record(
            method, type="payment_method.default_set", actor=actor, payload=_payload(method)
        )
    return method


def payment_method_remove(
    *, payment_method: SavedPaymentMethod, gateway: PaymentGateway, actor: Actor
) -> None:
    """Remove a method: subscriptions that used it fall back to the default; the
    gateway forgets it after the removal commits."""
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=payment_method.customer_id)
        method = SavedPaymentMethod.objects.usable().get(pk=payment_method.pk)
        method.removed_at = timezone.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        Subscription.objects.filter(payment_method=method).update(payment_method=None)
        event_record(method, type="payment_method.removed", actor=actor, payload=_payload(method))
        token = method.gateway_token
        transaction.on_commit(lambda: gateway.delete_method(token=token))
