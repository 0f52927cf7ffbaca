"""The customers app's API routers (api-contract.md §5, §8–§12).

Handlers parse, call a scoped query or a service, and shape the answer with the
`*_out` functions in `customers.schemas`. Every lookup starts from the key's
business, so another business's ID is a 404. Writes go through the same
services as the dashboard, with the API key as the Event actor.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from customers import services
from customers.accounts.api_keys import api_key_authenticate
from customers.apiutil import (
    ERRORS,
    NEWEST_FIRST,
    PUBLIC_ERRORS,
    ApiRequestError,
    get_scoped,
    page,
)
from customers.audit import Actor
from customers.billing import invoices, refunds, subscriptions
from customers.licenses import services as licenses
from customers.models import (
    Customer,
    LicenseKey,
    LicenseKeyInstance,
    Payment,
    Refund,
    Subscription,
    add_interval,
)
from customers.schemas import (
    CustomerCreateIn,
    CustomerFilters,
    CustomerListOut,
    CustomerOut,
    CustomerPatchIn,
    ErrorOut,
    LicenseActivateIn,
    LicenseActivationOut,
    LicenseDeactivateIn,
    LicenseKeyFilters,
    LicenseKeyInstanceFilters,
    LicenseKeyInstanceListOut,
    LicenseKeyInstanceOut,
    LicenseKeyInstancePatchIn,
    LicenseKeyListOut,
    LicenseKeyOut,
    LicenseKeyPatchIn,
    LicenseValidateIn,
    LicenseValidationOut,
    PaymentFilters,
    PaymentListOut,
    PaymentOut,
    RefundCreateIn,
    RefundFilters,
    RefundListOut,
    RefundOut,
    SubscriptionFilters,
    SubscriptionListOut,
    SubscriptionOut,
    SubscriptionPatchIn,
    billing_out,
    customer_limited,
    customer_out,
    instance_out,
    license_key_out,
    refund_item_out,
    refund_out,
    subscription_out,
)

INVOICE_TOKEN_MAX_AGE = 60 * 60 * 24 * 30  # a signed invoice link works for 30 days

customers_router = Router(tags=["Customers"])
payments_router = Router(tags=["Payments"])
refunds_router = Router(tags=["Refunds"])
subscriptions_router = Router(tags=["Subscriptions"])
license_keys_router = Router(tags=["License keys"])
licenses_public_router = Router(tags=["Licenses (public)"], auth=None)
invoices_router = Router(tags=["Invoices (public)"], auth=None)


def _actor(request) -> Actor:
    return Actor.api_key(request.auth)


def _created(queryset, filters):
    if filters.created_at_gte is not None:
        queryset = queryset.filter(created_at__gte=filters.created_at_gte)
    if filters.created_at_lte is not None:
        queryset = queryset.filter(created_at__lte=filters.created_at_lte)
    return queryset


def _page(queryset, filters) -> list:
    return page(
        queryset.order_by(*NEWEST_FIRST),
        page_number=filters.page_number,
        page_size=filters.page_size,
    )


# ---------------------------------------------------------------- customers (§5)


def _customers(request):
    return Customer.objects.for_business(request.auth.business_id)


@customers_router.post("/customers", response={200: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerCreateIn):
    """Create a customer. An e-mail already used in this business (any case) is refused
    with 409 `CUSTOMER_ALREADY_EXISTS` (`x-should-retry: false`)."""
    customer = services.customer_create(
        business=request.auth.business,
        actor=_actor(request),
        name=payload.name,
        email=payload.email,
        phone_number=payload.phone_number or "",
        metadata=payload.metadata or {},
        preferred_locale=payload.preferred_locale or "",
    )
    return customer_out(customer)


@customers_router.get("/customers", response={200: CustomerListOut, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters]):
    """Customers, newest first. `email` is an exact, case-insensitive match."""
    customers = _created(_customers(request), filters)
    if filters.email:
        # LOWER(email) = … is served by the (business, LOWER(email)) unique index.
        customers = customers.alias(email_lower=Lower("email")).filter(
            email_lower=filters.email.strip().lower()
        )
    if filters.name:
        customers = customers.filter(name__icontains=filters.name)
    return {"items": [customer_out(c) for c in _page(customers, filters)]}


@customers_router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: str):
    return customer_out(get_scoped(_customers(request), customer_id))


@customers_router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request, customer_id: str, payload: CustomerPatchIn):
    """PATCH: a key left out stays as it is; `null` clears `phone_number`, `metadata`
    and `preferred_locale`. `name` and `email` cannot be cleared (422)."""
    customer = get_scoped(_customers(request).select_related("business"), customer_id)
    changes = payload.model_dump(exclude_unset=True)
    for required in ("name", "email"):
        if required in changes and changes[required] is None:
            raise ApiRequestError(f"{required}: cannot be null")
    cleared = {"phone_number": "", "metadata": {}, "preferred_locale": ""}
    changes = {k: cleared[k] if v is None else v for k, v in changes.items()}
    customer = services.customer_update(customer=customer, actor=_actor(request), **changes)
    return customer_out(customer)


# ---------------------------------------------------------------- payments (§8)


def _invoice_token(kind: str, object_id: str) -> str:
    return signing.dumps(object_id, salt=f"api.invoice.{kind}", compress=False)


def _invoice_url(kind: str, object_id: str) -> str:
    token = _invoice_token(kind, object_id)
    return f"{settings.PUBLIC_BASE_URL}/api/invoices/{kind}/{object_id}?token={token}"


def _payment_out(payment: Payment) -> dict:
    succeeded = payment.status == Payment.Status.SUCCEEDED
    sub = payment.subscription
    periods = []
    if succeeded and sub is not None and payment.service_period_start:
        start = payment.service_period_start
        end = add_interval(start, sub.payment_frequency_interval, sub.payment_frequency_count)
        periods = [{"subscription_id": sub.pk, "starts_at": start, "ends_at": end}]
    refunded = payment.refunded_amount
    return {
        "payment_id": payment.pk,
        "business_id": payment.business_id,
        "brand_id": payment.business_id,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "status": payment.status,
        "total_amount": payment.total_amount,
        "tax": payment.tax,
        "currency": payment.currency,
        "settlement_amount": payment.total_amount,
        "settlement_currency": payment.currency,
        "settlement_tax": payment.tax,
        "customer": customer_limited(payment.customer),
        "billing": billing_out(payment.currency),
        "metadata": payment.metadata or {},
        "refunds": [refund_item_out(r) for r in payment.refunds.all()],
        "refund_status": (
            None if not refunded else "full" if refunded >= payment.total_amount else "partial"
        ),
        "has_license_key": payment.has_license_key,
        "subscription_id": payment.subscription_id,
        "subscription_ids": [payment.subscription_id] if payment.subscription_id else [],
        "charge_type": payment.charge_type or None,
        "service_periods": periods,
        "digital_products_delivered": succeeded and payment.has_license_key,
        "product_cart": (
            [{"product_id": payment.product_id, "quantity": payment.quantity}]
            if payment.product_id and not payment.subscription_id
            else None
        ),
        "payment_method": payment.payment_method or None,
        "payment_method_type": payment.payment_method_type or None,
        "card_last_four": payment.card_last_four or None,
        "card_network": payment.card_network or None,
        "error_code": payment.error_code or None,
        "error_message": payment.error_message or None,
        "invoice_id": payment.invoice_label or None,
        "invoice_url": _invoice_url("payments", payment.pk) if succeeded else None,
    }


def _payments(request):
    return (
        Payment.objects.for_business(request.auth.business_id)
        .select_related("customer", "subscription")
        .with_refund_totals()
        .annotate(has_license_key=Exists(LicenseKey.objects.filter(payment=OuterRef("pk"))))
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by(*NEWEST_FIRST)))
    )


@payments_router.get("/payments", response={200: PaymentListOut, **ERRORS})
def list_payments(request, filters: Query[PaymentFilters]):
    """Payments, newest first. `brand_id` other than the business ID matches nothing."""
    payments = _created(_payments(request), filters)
    if filters.brand_id and filters.brand_id != request.auth.business_id:
        return {"items": []}
    for field in ("customer_id", "subscription_id", "product_id", "status", "currency"):
        value = getattr(filters, field)
        if value:
            payments = payments.filter(**{field: value})
    return {"items": [_payment_out(p) for p in _page(payments, filters)]}


@payments_router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request, payment_id: str):
    return _payment_out(get_scoped(_payments(request), payment_id))


# ---------------------------------------------------------------- refunds (§9)


def _refunds(request):
    return Refund.objects.for_business(request.auth.business_id).select_related("customer")


@refunds_router.post("/refunds", response={200: RefundOut, **ERRORS})
def create_refund(request, payload: RefundCreateIn):
    """Refund a payment to its original payment method.

    Without `items`, everything not yet refunded is refunded. Our payments carry one
    product, so `items` holds at most that product (`item_id` = the payment's
    `product_id`); its `amount` (minor units, tax included unless `tax_inclusive`
    is false) is refunded, or all that is left when it is null. Errors: 400
    `PAYMENT_NOT_SUCCEEDED`, `REFUND_WINDOW_EXPIRED` (30 days), `NOTHING_TO_REFUND`,
    `REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT`, `LINE_ITEM_NOT_FOUND`,
    `DUPLICATE_LINE_ITEMS_IN_REQUEST`; 404 for an unknown payment.
    """
    payment = get_scoped(Payment.objects.for_business(request.auth.business_id), payload.payment_id)
    if payload.currency and payload.currency != payment.currency:
        raise ApiRequestError(
            f"currency: this payment is in {payment.currency}",
            code="INVALID_REQUEST_PARAMETERS",
            status=400,
        )
    amount = None
    if payload.items is not None:
        if not payload.items:
            raise ApiRequestError("items: leave it out (or null) for a full refund")
        ids = [item.item_id for item in payload.items]
        if len(set(ids)) != len(ids):
            raise ApiRequestError(
                "items: an item appears twice", code="DUPLICATE_LINE_ITEMS_IN_REQUEST", status=400
            )
        unknown = [i for i in ids if i != payment.product_id]
        if unknown:
            raise ApiRequestError(
                f"items: {unknown[0]} is not on this payment",
                code="LINE_ITEM_NOT_FOUND",
                status=400,
            )
        item = payload.items[0]
        amount = item.amount
        net = payment.total_amount - payment.tax
        if amount is not None and not item.tax_inclusive and payment.tax and net > 0:
            amount += amount * payment.tax // net
    refund = refunds.refund_create(
        payment=payment,
        amount=amount,
        reason=payload.reason or "",
        actor=_actor(request),
        metadata=payload.metadata,
    )
    return refund_out(refund)


@refunds_router.get("/refunds", response={200: RefundListOut, **ERRORS})
def list_refunds(request, filters: Query[RefundFilters]):
    items = _created(_refunds(request), filters)
    if filters.customer_id:
        items = items.filter(customer_id=filters.customer_id)
    if filters.subscription_id:
        items = items.filter(payment__subscription_id=filters.subscription_id)
    if filters.status:
        items = items.filter(status=filters.status)
    return {"items": [refund_item_out(r) for r in _page(items, filters)]}


@refunds_router.get("/refunds/{refund_id}", response={200: RefundOut, **ERRORS})
def get_refund(request, refund_id: str):
    return refund_out(get_scoped(_refunds(request), refund_id))


# ---------------------------------------------------------------- subscriptions (§10)

UNSUPPORTED_SUBSCRIPTION_FIELDS = (
    "billing",
    "customer_name",
    "customer_business_name",
    "tax_id",
    "metadata",
    "next_billing_date",
    "disable_on_demand",
    "subscription_period_count",
    "subscription_period_interval",
    "credit_entitlement_cart",
)


def _subscriptions(request):
    method_on_file = Payment.objects.filter(
        subscription=OuterRef("pk"), status=Payment.Status.SUCCEEDED
    ).exclude(payment_method__in=["", "wallet"])
    return (
        Subscription.objects.for_business(request.auth.business_id)
        .select_related("customer", "product")
        .annotate(has_payment_method=Exists(method_on_file))
    )


@subscriptions_router.get("/subscriptions", response={200: SubscriptionListOut, **ERRORS})
def list_subscriptions(request, filters: Query[SubscriptionFilters]):
    """Subscriptions, newest first. `locale` is accepted and ignored."""
    subs = _created(_subscriptions(request), filters)
    if filters.brand_id and filters.brand_id != request.auth.business_id:
        return {"items": []}
    for field in ("customer_id", "product_id", "status", "cancel_at_next_billing_date"):
        value = getattr(filters, field)
        if value is not None and value != "":
            subs = subs.filter(**{field: value})
    return {"items": [subscription_out(s) for s in _page(subs, filters)]}


@subscriptions_router.get(
    "/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS}
)
def get_subscription(request, subscription_id: str, locale: str | None = None):
    return subscription_out(get_scoped(_subscriptions(request), subscription_id))


@subscriptions_router.patch(
    "/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS}
)
def update_subscription(request, subscription_id: str, payload: SubscriptionPatchIn):
    """Cancel now (`status: cancelled`), at the end of the period
    (`cancel_at_next_billing_date: true`) or revoke a scheduled cancellation
    (`false`; a no-op when none is scheduled), with `cancel_reason`,
    `cancellation_feedback` and `cancellation_comment`. `pause` is always 422.
    `paused`/`active` must be sent alone; pausing is not supported (422) and
    `active` on an active subscription is a no-op. Other fields of the contract
    (billing, metadata, next_billing_date, …) are not supported: 422 unless null.
    """
    sub = get_scoped(_subscriptions(request), subscription_id)
    sent = {f for f in payload.model_fields_set if getattr(payload, f) is not None}
    if "pause" in payload.model_fields_set:
        raise ApiRequestError("pause: removed; send status: paused or active instead")
    unsupported = [f for f in UNSUPPORTED_SUBSCRIPTION_FIELDS if f in sent]
    if unsupported:
        raise ApiRequestError(f"{unsupported[0]}: changing it is not supported")
    status = payload.status
    if status in ("paused", "active"):
        if sent - {"status"}:
            raise ApiRequestError(f"status: {status} must be sent alone")
        if status == "active" and sub.status == "active":
            return subscription_out(sub)
        raise ApiRequestError(f"status: {status} is not supported for this subscription")
    if status not in (None, "cancelled"):
        raise ApiRequestError("status: only cancelled, paused or active can be set")
    cancelling = status == "cancelled" or payload.cancel_at_next_billing_date is True
    extras = sent & {"cancel_reason", "cancellation_feedback", "cancellation_comment"}
    if extras and not cancelling:
        raise ApiRequestError(f"{sorted(extras)[0]}: only valid when cancelling")
    actor = _actor(request)
    if cancelling:
        subscriptions.subscription_cancel(
            subscription=sub,
            actor=actor,
            at_next_billing_date=status != "cancelled",
            cancel_reason=payload.cancel_reason or "",
            feedback=payload.cancellation_feedback or "",
            comment=payload.cancellation_comment or "",
        )
    elif payload.cancel_at_next_billing_date is False and sub.cancel_at_next_billing_date:
        subscriptions.subscription_cancellation_revoke(subscription=sub, actor=actor)
    return subscription_out(get_scoped(_subscriptions(request), subscription_id))


# ---------------------------------------------------------------- license keys (§11)


def _license_keys(request):
    count = (
        LicenseKeyInstance.objects.filter(license_key=OuterRef("pk"))
        .order_by()
        .values("license_key")
        .annotate(n=Count("*"))
        .values("n")
    )
    return LicenseKey.objects.for_business(request.auth.business_id).annotate(
        instances_count=Coalesce(Subquery(count), 0)
    )


@license_keys_router.get("/license_keys", response={200: LicenseKeyListOut, **ERRORS})
def list_license_keys(request, filters: Query[LicenseKeyFilters]):
    """License keys, newest first. `status=expired` includes active keys past their
    expiry, which are reported as expired."""
    keys = _created(_license_keys(request), filters)
    for field in ("customer_id", "product_id", "source"):
        value = getattr(filters, field)
        if value:
            keys = keys.filter(**{field: value})
    past_expiry = Q(status=LicenseKey.Status.ACTIVE, expires_at__lte=timezone.now())
    if filters.status == LicenseKey.Status.EXPIRED:
        keys = keys.filter(Q(status=filters.status) | past_expiry)
    elif filters.status == LicenseKey.Status.ACTIVE:
        keys = keys.filter(status=filters.status).exclude(past_expiry)
    elif filters.status:
        keys = keys.filter(status=filters.status)
    return {"items": [license_key_out(k) for k in _page(keys, filters)]}


@license_keys_router.get("/license_keys/{id}", response={200: LicenseKeyOut, **ERRORS})
def get_license_key(request, id: str):
    return license_key_out(get_scoped(_license_keys(request), id))


@license_keys_router.patch("/license_keys/{id}", response={200: LicenseKeyOut, **ERRORS})
def update_license_key(request, id: str, payload: LicenseKeyPatchIn):
    """`activations_limit` (null = unlimited; below the current activations: 422
    `ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT`), `disabled`, `expires_at` (null =
    never; on a subscription's key: 400 `NO_EXPIRY_ON_SUBSCRIPTION_LICENSE_KEYS`).
    All or nothing."""
    key = get_scoped(_license_keys(request).select_related("business"), id)
    changes = payload.model_dump(exclude_unset=True)
    actor = _actor(request)
    with transaction.atomic():
        if "activations_limit" in changes:
            licenses.license_key_set_activations_limit(
                license_key=key, activations_limit=changes["activations_limit"], actor=actor
            )
        if "expires_at" in changes:
            licenses.license_key_set_expiry(
                license_key=key, expires_at=changes["expires_at"], actor=actor
            )
        if changes.get("disabled") is True:
            licenses.license_key_disable(license_key=key, actor=actor)
        elif changes.get("disabled") is False:
            licenses.license_key_enable(license_key=key, actor=actor)
    return license_key_out(get_scoped(_license_keys(request), id))


def _instances(request):
    return LicenseKeyInstance.objects.for_business(request.auth.business_id)


@license_keys_router.get(
    "/license_key_instances", response={200: LicenseKeyInstanceListOut, **ERRORS}
)
def list_license_key_instances(request, filters: Query[LicenseKeyInstanceFilters]):
    """Activations, newest first. We have no entitlement grants: any `grant_id`
    matches nothing."""
    if filters.grant_id:
        return {"items": []}
    instances = _instances(request)
    if filters.license_key_id:
        instances = instances.filter(license_key_id=filters.license_key_id)
    return {"items": [instance_out(i) for i in _page(instances, filters)]}


@license_keys_router.get(
    "/license_key_instances/{id}", response={200: LicenseKeyInstanceOut, **ERRORS}
)
def get_license_key_instance(request, id: str):
    return instance_out(get_scoped(_instances(request), id))


@license_keys_router.patch(
    "/license_key_instances/{id}", response={200: LicenseKeyInstanceOut, **ERRORS}
)
def update_license_key_instance(request, id: str, payload: LicenseKeyInstancePatchIn):
    instance = get_scoped(_instances(request), id)
    instance = licenses.license_key_instance_rename(
        instance=instance, name=payload.name, actor=_actor(request)
    )
    return instance_out(instance)


# ---------------------------------------------------------------- public licenses (§11)

PUBLIC_ACTOR = Actor.system("licenses API")


@licenses_public_router.post(
    "/licenses/activate", response={201: LicenseActivationOut, **PUBLIC_ERRORS}
)
def activate_license(request, payload: LicenseActivateIn):
    """Public: no API key (an Authorization header is ignored). 201 with the new
    instance; 404 `LICENSE_KEY_NOT_FOUND`; 403 `INACTIVE_LICENSE_KEY` (disabled or
    expired); 422 `LICENSE_KEY_LIMIT_REACHED`."""
    instance = licenses.license_key_activate(
        key_string=payload.license_key, name=payload.name, actor=PUBLIC_ACTOR
    )
    key = instance.license_key
    return Status(
        201,
        {
            "id": instance.pk,
            "license_key_id": key.pk,
            "name": instance.name,
            "business_id": key.business_id,
            "created_at": instance.created_at,
            "customer": customer_limited(key.customer),
            "product": {"product_id": key.product_id, "name": key.product.name},
        },
    )


@licenses_public_router.post(
    "/licenses/validate", response={200: LicenseValidationOut, **PUBLIC_ERRORS}
)
def validate_license(request, payload: LicenseValidateIn):
    """Public. `{"valid": true}` when the key exists, is active and not expired,
    and (if given) the instance is one of its activations; otherwise `{"valid":
    false}` with 200 — unknown keys included."""
    valid = licenses.license_key_validate(
        key_string=payload.license_key, instance_id=payload.license_key_instance_id
    )
    return {"valid": valid}


@licenses_public_router.post("/licenses/deactivate", response={200: None, **PUBLIC_ERRORS})
def deactivate_license(request, payload: LicenseDeactivateIn):
    """Public. 200 with an empty body; 404 `LICENSE_KEY_NOT_FOUND`; 403
    `LICENSE_KEY_INSTANCE_NOT_FOUND` when the instance is not this key's."""
    licenses.license_key_deactivate(
        key_string=payload.license_key,
        instance_id=payload.license_key_instance_id,
        actor=PUBLIC_ACTOR,
    )
    return None


# ---------------------------------------------------------------- invoices (§12)

PDF_RESPONSES = {
    "responses": {
        200: {
            "description": "The PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
    }
}


def _may_read(request, *, kind: str, obj, token: str | None) -> bool:
    """The owning business's API key, or a signed token for this very document."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        key = api_key_authenticate(header[7:].strip())
        if key is not None and key.business_id == obj.business_id:
            return True
    if token:
        try:
            signed = signing.loads(token, salt=f"api.invoice.{kind}", max_age=INVOICE_TOKEN_MAX_AGE)
        except signing.BadSignature:
            return False
        return signed == obj.pk
    return False


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@invoices_router.get(
    "/invoices/payments/{payment_id}",
    response={404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    openapi_extra=PDF_RESPONSES,
)
def payment_invoice(request, payment_id: str, token: str | None = None):
    """The invoice PDF of a successful payment, for the owning business's API key
    (`Authorization: Bearer`) or with the signed `token` from the payment's
    `invoice_url` (valid 30 days). Anyone else, and payments without an invoice,
    get 404."""
    payment = get_scoped(
        Payment.objects.select_related("business", "customer", "product", "subscription"),
        payment_id,
    )
    if payment.status != Payment.Status.SUCCEEDED or not _may_read(
        request, kind="payments", obj=payment, token=token
    ):
        raise Http404
    return _pdf(invoices.invoice_pdf(payment=payment), f"invoice-{payment.pk}.pdf")


@invoices_router.get(
    "/invoices/refunds/{refund_id}",
    response={404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    openapi_extra=PDF_RESPONSES,
)
def refund_invoice(request, refund_id: str, token: str | None = None):
    """The refund receipt PDF, on the same terms as the payment invoice (a token is
    signed for the refund's ID)."""
    refund = get_scoped(Refund.objects.select_related("business", "customer", "payment"), refund_id)
    if not _may_read(request, kind="refunds", obj=refund, token=token):
        raise Http404
    return _pdf(invoices.refund_receipt_pdf(refund=refund), f"refund-{refund.pk}.pdf")
