"""Subscriptions (api-contract.md §10): list, get, cancel or revoke a cancellation."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Exists, OuterRef
from ninja import Field, Query, Router
from pydantic import ConfigDict, StrictBool, WithJsonSchema

from customers.api.common import (
    ERRORS,
    ApiRequestError,
    AwareDatetime,
    BillingAddressOut,
    BodySchema,
    CustomerLimitedOut,
    IdQuery,
    ListFilters,
    Metadata,
    Name,
    Out,
    QueryText,
    Text,
    actor_of,
    billing_out,
    created_between,
    customer_limited,
    get_scoped,
    matching,
    newest_page,
)
from customers.billing import subscription_changes, subscriptions
from customers.models import Payment, Subscription

router = Router(tags=["Subscriptions"])

SubscriptionStatus = Literal[
    "pending", "active", "on_hold", "paused", "cancelled", "failed", "expired", "past_due"
]
TimeInterval = Literal["Day", "Week", "Month", "Year"]
CancelReason = Literal[
    "cancelled_by_customer",
    "cancelled_by_merchant",
    "cancelled_by_merchant_send_dunning",
    "cancelled_by_merchant_grace_period_expired",
    "dodo_team",
]
CancellationFeedback = Literal[
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "low_quality",
    "too_complex",
    "other",
]


# ---------------------------------------------------------------- subscriptions (§10)


class CancelledByOut(Out):
    actor_type: Literal["customer", "merchant_user", "api_key", "dodo_team"]
    email: str | None = None
    name: str | None = None


class SubscriptionOut(Out):
    """A subscription; the list returns the same object plus `product_name`."""

    subscription_id: str = Field(..., examples=["sub_0NXqZ3o9pA5kH2bT1cWm8RyLs"])
    product_id: str
    product_name: str | None = None
    brand_id: str = Field(..., description="Always the business ID.")
    status: SubscriptionStatus
    customer: CustomerLimitedOut
    billing: BillingAddressOut
    currency: str
    quantity: int
    recurring_pre_tax_amount: int = Field(..., description="Minor units per period.")
    tax_inclusive: bool
    created_at: dt.datetime
    next_billing_date: dt.datetime = Field(..., description="End of the current period.")
    previous_billing_date: dt.datetime = Field(..., description="Start of the current period.")
    payment_frequency_count: int
    payment_frequency_interval: TimeInterval
    subscription_period_count: int
    subscription_period_interval: TimeInterval
    trial_period_days: int = 0
    on_demand: bool = False
    has_payment_method: bool
    cancel_at_next_billing_date: bool
    metadata: dict[str, Any] = Field(default_factory=dict)
    addons: list[dict] = Field(default_factory=list)
    meters: list[dict] = Field(default_factory=list)
    credit_entitlement_cart: list[dict] = Field(default_factory=list)
    meter_credit_entitlement_cart: list[dict] = Field(default_factory=list)
    discounts: list[dict] = Field(default_factory=list)
    cancelled_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    cancelled_by: CancelledByOut | None = None
    cancel_reason: CancelReason | None = None
    cancellation_feedback: CancellationFeedback | None = None
    cancellation_comment: str | None = None
    payment_method_id: str | None = None
    tax_id: str | None = None
    customer_business_name: str | None = None
    discount_id: str | None = None
    discount_cycles_remaining: int | None = None
    trial_amount: int | None = None
    custom_field_responses: list[dict] | None = None
    scheduled_change: dict | None = None


class SubscriptionListOut(Out):
    items: list[SubscriptionOut]


LANGUAGE_TAG = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
# A language tag (`en`, `ko-KR`, `zh_Hant`): accepted and ignored.
LocaleTag = Annotated[
    QueryText,
    matching(
        LANGUAGE_TAG,
        max_length=35,
        description="A language tag such as `en` or `ko-KR`; accepted and ignored.",
    ),
]


class SubscriptionFilters(ListFilters):
    customer_id: IdQuery | None = None
    product_id: IdQuery | None = None
    brand_id: IdQuery | None = None
    status: SubscriptionStatus | None = None
    cancel_at_next_billing_date: bool | None = None
    locale: LocaleTag | None = None


# A field of the contract this API does not change: only null is accepted (the
# handler answers 422 "changing it is not supported" for anything else).
Unsupported = Annotated[
    Any, WithJsonSchema({"type": "null", "description": "Not supported here: null only."})
]
_EXTRAS = ("cancel_reason", "cancellation_feedback", "cancellation_comment")
_CANCEL_FIELDS = ("cancel_at_next_billing_date", *_EXTRAS)
UPDATE_FIELDS = ("next_billing_date", "metadata", "billing", "tax_id", "customer_name")
UNSUPPORTED_SUBSCRIPTION_FIELDS = (
    "customer_business_name",
    "disable_on_demand",
    "subscription_period_count",
    "subscription_period_interval",
    "credit_entitlement_cart",
)
_ALL_NULL = {"type": "null"}


class BillingAddressIn(BodySchema):
    country: Annotated[Text, matching(r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")]
    city: Annotated[Text, Field(max_length=255)] | None = None
    state: Annotated[Text, Field(max_length=255)] | None = None
    street: Annotated[Text, Field(max_length=255)] | None = None
    zipcode: Annotated[Text, Field(max_length=20)] | None = None


class SubscriptionPatchIn(BodySchema):
    """What PATCH /subscriptions/{id} changes. `status: paused` pauses an active
    subscription and `status: active` resumes a paused one; either is sent alone.
    `status: cancelled` cancels now; `cancel_at_next_billing_date` true schedules the
    cancellation, false revokes it; `cancel_reason`, `cancellation_feedback` and
    `cancellation_comment` only come with a cancellation. `next_billing_date`,
    `metadata`, `billing`, `tax_id` and `customer_name` change those fields and are
    not combined with a cancellation. Anything else is 422 unless null."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {  # the cancellation details only come with a cancellation
                    "anyOf": [
                        {"required": ["status"], "properties": {"status": {"const": "cancelled"}}},
                        {
                            "required": ["cancel_at_next_billing_date"],
                            "properties": {"cancel_at_next_billing_date": {"const": True}},
                        },
                        {"properties": dict.fromkeys(_EXTRAS, _ALL_NULL)},
                    ]
                },
                {  # `status: paused` / `active` is sent alone
                    "anyOf": [
                        {"properties": {"status": {"enum": ["cancelled", None]}}},
                        {"properties": dict.fromkeys((*_CANCEL_FIELDS, *UPDATE_FIELDS), _ALL_NULL)},
                    ]
                },
                {  # a cancellation and the other fields are separate requests
                    "anyOf": [
                        {
                            "properties": {
                                "status": {"enum": ["paused", "active", None]},
                                **dict.fromkeys(_CANCEL_FIELDS, _ALL_NULL),
                            }
                        },
                        {"properties": dict.fromkeys(UPDATE_FIELDS, _ALL_NULL)},
                    ]
                },
            ]
        }
    )

    status: Literal["cancelled", "paused", "active"] | None = Field(
        None,
        description="`cancelled` cancels now; `paused` pauses an active subscription; "
        "`active` resumes a paused one (its next billing date moves by the time paused). "
        "`paused` and `active` are sent alone.",
    )
    cancel_at_next_billing_date: StrictBool | None = None
    cancel_reason: CancelReason | None = None
    cancellation_feedback: CancellationFeedback | None = None
    cancellation_comment: Text | None = Field(None, max_length=3000)
    pause: Annotated[Any, WithJsonSchema({"not": {}, "description": "Removed: always 422."})] = None
    next_billing_date: AwareDatetime | None = Field(
        None, description="Active subscriptions only: in the future, at most 5 years ahead."
    )
    metadata: Metadata | None = Field(None, description="Replaces the whole object.")
    billing: BillingAddressIn | None = Field(None, description="Replaces the whole address.")
    tax_id: Text | None = Field(None, max_length=64, description='"" clears it.')
    customer_name: Name | None = Field(None, description="The name on this subscription.")
    # Accepted by the contract, not supported here: 422 unless null.
    customer_business_name: Unsupported = None
    disable_on_demand: Unsupported = None
    subscription_period_count: Unsupported = None
    subscription_period_interval: Unsupported = None
    credit_entitlement_cart: Unsupported = None


def subscription_out(sub) -> dict:
    cancelled_by = None
    if sub.cancelled_by_type:
        label = sub.cancelled_by_label or None
        by_email = sub.cancelled_by_type in ("customer", "merchant_user")
        cancelled_by = {
            "actor_type": sub.cancelled_by_type,
            "email": label if by_email else None,
            "name": None if by_email else label,
        }
    return {
        "subscription_id": sub.pk,
        "product_id": sub.product_id,
        "product_name": sub.product.name,
        "brand_id": sub.business_id,
        "status": sub.status,
        "customer": {
            **customer_limited(sub.customer),
            "name": sub.customer_name or sub.customer.name,
        },
        "billing": sub.billing or billing_out(sub.currency),
        "currency": sub.currency,
        "quantity": sub.quantity,
        "recurring_pre_tax_amount": sub.recurring_pre_tax_amount,
        "tax_inclusive": sub.tax_inclusive,
        "created_at": sub.created_at,
        "next_billing_date": sub.next_billing_date,
        "previous_billing_date": sub.previous_billing_date,
        "payment_frequency_count": sub.payment_frequency_count,
        "payment_frequency_interval": sub.payment_frequency_interval,
        "subscription_period_count": sub.subscription_period_count,
        "subscription_period_interval": sub.subscription_period_interval,
        "has_payment_method": bool(getattr(sub, "has_payment_method", False)),
        "cancel_at_next_billing_date": sub.cancel_at_next_billing_date,
        "metadata": sub.metadata or {},
        "cancelled_at": sub.cancelled_at,
        "paused_at": sub.paused_at,
        "tax_id": sub.tax_id or None,
        "discount_cycles_remaining": sub.discount_cycles_remaining or None,
        "cancelled_by": cancelled_by,
        "cancel_reason": sub.cancel_reason or None,
        "cancellation_feedback": sub.cancellation_feedback or None,
        "cancellation_comment": sub.cancellation_comment or None,
    }


# ---------------------------------------------------------------- subscriptions (§10)


def scoped_subscriptions(request):
    method_on_file = Payment.objects.filter(
        subscription=OuterRef("pk"), status=Payment.Status.SUCCEEDED
    ).exclude(payment_method__in=["", "wallet"])
    return (
        Subscription.objects.for_business(request.auth.business_id)
        .select_related("customer", "product")
        .annotate(has_payment_method=Exists(method_on_file))
    )


@router.get("/subscriptions", response={200: SubscriptionListOut, **ERRORS})
def list_subscriptions(request, filters: Query[SubscriptionFilters]):
    """Subscriptions, newest first. `locale` is accepted and ignored."""
    subs = created_between(scoped_subscriptions(request), filters)
    if filters.brand_id and filters.brand_id != request.auth.business_id:
        return {"items": []}
    for field in ("customer_id", "product_id", "status", "cancel_at_next_billing_date"):
        value = getattr(filters, field)
        if value is not None and value != "":
            subs = subs.filter(**{field: value})
    return {"items": [subscription_out(s) for s in newest_page(subs, filters)]}


@router.get("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def get_subscription(request, subscription_id: str, locale: LocaleTag | None = None):
    return subscription_out(get_scoped(scoped_subscriptions(request), subscription_id))


@router.patch("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def update_subscription(request, subscription_id: str, payload: SubscriptionPatchIn):
    """Pause (`status: paused`, alone; 409 unless active) or resume (`status:
    active`, alone; 409 unless paused; either is a no-op when already so). Cancel now
    (`status: cancelled`) or at the period's end (`cancel_at_next_billing_date:
    true`), or revoke a scheduled cancellation (`false`). Change `next_billing_date`,
    `metadata`, `billing`, `tax_id`, `customer_name` (not with a cancellation).
    `pause` is always 422.
    """
    sub = get_scoped(scoped_subscriptions(request), subscription_id)
    sent = {f for f in payload.model_fields_set if getattr(payload, f) is not None}
    if "pause" in payload.model_fields_set:
        raise ApiRequestError("pause: removed; send status: paused or active instead")
    unsupported = [f for f in UNSUPPORTED_SUBSCRIPTION_FIELDS if f in sent]
    if unsupported:
        raise ApiRequestError(f"{unsupported[0]}: changing it is not supported")
    status, actor = payload.status, actor_of(request)
    if status in ("paused", "active"):
        if sent - {"status"}:
            raise ApiRequestError(f"status: {status} must be sent alone")
        if sub.status == status:  # already so: a retried request changes nothing
            return subscription_out(sub)
        change = (
            subscription_changes.subscription_pause
            if status == "paused"
            else subscription_changes.subscription_resume
        )
        change(subscription=sub, actor=actor)
        return subscription_out(get_scoped(scoped_subscriptions(request), subscription_id))
    cancelling = status == "cancelled" or payload.cancel_at_next_billing_date is True
    extras = sent & set(_EXTRAS)
    if extras and not cancelling:
        raise ApiRequestError(f"{sorted(extras)[0]}: only valid when cancelling")
    updates = sent & set(UPDATE_FIELDS)
    if updates and (cancelling or "cancel_at_next_billing_date" in sent):
        raise ApiRequestError(
            f"{sorted(updates)[0]}: send it apart from a cancellation (one change per request)"
        )
    if updates:
        optional = {f: getattr(payload, f) for f in ("tax_id", "customer_name") if f in sent}
        subscription_changes.subscription_update(
            subscription=sub,
            actor=actor,
            next_billing_date=payload.next_billing_date,
            metadata=payload.metadata,
            billing=payload.billing.model_dump(exclude_none=True) if payload.billing else None,
            **optional,
        )
    elif cancelling:
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
    return subscription_out(get_scoped(scoped_subscriptions(request), subscription_id))
