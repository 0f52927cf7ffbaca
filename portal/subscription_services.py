"""What a customer may change on their own subscription in the portal, as far as the
business's portal settings allow: pause and resume, switch to an offered plan
(prorated), and the retention offer shown once before a cancellation."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing.plan_changes import subscription_change_plan
from customers.billing.subscription_changes import subscription_pause, subscription_resume
from customers.core.errors import SubscriptionNotActive
from customers.models import Customer, PlanChange, Product, Subscription
from portal.errors import PauseNotAllowed, PlanChangeNotAllowed, RetentionOfferUnavailable
from portal.models import PortalSettings, RetentionOffer


def portal_subscription_pause(*, customer: Customer, subscription: Subscription) -> Subscription:
    if not PortalSettings.for_business(customer.business).allow_pause:
        raise PauseNotAllowed()
    return subscription_pause(subscription=subscription, actor=Actor.customer(customer))


def portal_subscription_resume(*, customer: Customer, subscription: Subscription) -> Subscription:
    if not PortalSettings.for_business(customer.business).allow_pause:
        raise PauseNotAllowed()
    return subscription_resume(subscription=subscription, actor=Actor.customer(customer))


def offered_plans(business):
    """The products the business offers for switching in the portal (none unless the
    setting is on)."""
    settings_row = PortalSettings.for_business(business)
    if not settings_row.allow_plan_change or settings_row.pk is None:
        return Product.objects.none()
    return settings_row.plan_change_products.all()


def portal_subscription_change_plan(
    *, customer: Customer, subscription: Subscription, product: Product
) -> PlanChange:
    """Switch to an offered plan at the same quantity, prorated to the day."""
    if not offered_plans(customer.business).filter(pk=product.pk).exists():
        raise PlanChangeNotAllowed()
    return subscription_change_plan(
        subscription=subscription,
        product=product,
        quantity=subscription.quantity,
        mode=PlanChange.Mode.PRORATED_IMMEDIATELY,
        actor=Actor.customer(customer),
    )


def retention_offer_to_show(*, subscription: Subscription) -> RetentionOffer | None:
    """The offer to show before this cancellation, recorded as shown; None when the
    business makes none, the subscription is not active, or it was shown before
    (once per subscription, whatever the answer was)."""
    settings_row = PortalSettings.for_business(subscription.business)
    if not settings_row.retention_percent or subscription.status != Subscription.Status.ACTIVE:
        return None
    try:
        with transaction.atomic():
            return RetentionOffer.objects.create(
                business=subscription.business,
                subscription=subscription,
                percent=settings_row.retention_percent,
                cycles=settings_row.retention_cycles,
            )
    except IntegrityError:  # shown already
        return None


def retention_offer_accept(
    *, customer: Customer, subscription: Subscription, now: dt.datetime | None = None
) -> Subscription:
    """Take the offer: its percent off the next renewals; the subscription stays."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        offer = RetentionOffer.objects.select_for_update().filter(subscription=sub).first()
        if offer is None or offer.accepted_at is not None:
            raise RetentionOfferUnavailable()
        if sub.status != Subscription.Status.ACTIVE:
            raise SubscriptionNotActive()
        offer.accepted_at = now or timezone.now()
        offer.save()
        sub.discount_percent, sub.discount_cycles_remaining = offer.percent, offer.cycles
        sub.save()
        event_record(
            sub,
            type="subscription.retention_offer_accepted",
            actor=Actor.customer(customer),
            payload={"percent": offer.percent, "cycles": offer.cycles},
        )
    return sub
