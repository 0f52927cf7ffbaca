"""What a cancellation, its revocation and a renewal run record: the fields the
dashboard, the portal and the API show, and the events (and webhooks) they send."""

import pytest
from django.utils import timezone

from customers.audit import Actor
from customers.billing import subscriptions
from customers.models import Event
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_cancelling_now_sends_when_and_why_in_its_event(customer, actor):
    sub = subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer=customer),
        actor=actor,
        at_next_billing_date=False,
        feedback="too_expensive",
        comment=" Found a cheaper plan ",
    )
    event = Event.objects.get(type="subscription.cancelled", object_id=sub.pk)
    assert event.payload == {
        "customer_id": customer.pk,
        "effective_at": sub.cancelled_at.isoformat(),
        "cancel_reason": "cancelled_by_merchant",
        "cancellation_feedback": "too_expensive",
        "cancellation_comment": "Found a cheaper plan",
    }
    assert sub.cancelled_at <= timezone.now() < sub.next_billing_date


def test_a_cancellation_without_feedback_or_comment_keeps_them_empty(customer, actor):
    sub = subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer=customer), actor=actor, at_next_billing_date=True
    )
    sub.refresh_from_db()
    assert (sub.cancellation_feedback, sub.cancellation_comment) == ("", "")


def test_a_customer_cancelling_is_recorded_as_the_customer(customer):
    sub = subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer=customer),
        actor=Actor.customer(customer),
        at_next_billing_date=True,
    )
    assert (sub.cancel_reason, sub.cancelled_by_type) == ("cancelled_by_customer", "customer")
    assert sub.cancelled_by_label == customer.email


@pytest.mark.parametrize(
    ("actor", "cancelled_by"),
    [
        (Actor.system("support"), "dodo_team"),
        (Actor("api_key", "key_1", "CI key"), "api_key"),
    ],
)
def test_every_kind_of_actor_is_named_as_the_contract_says(customer, actor, cancelled_by):
    sub = subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer=customer), actor=actor, at_next_billing_date=True
    )
    sub.refresh_from_db()
    assert (sub.cancelled_by_type, sub.cancelled_by_label) == (cancelled_by, actor.label)


def test_revoking_clears_every_cancellation_field_and_says_so(customer, actor):
    sub = subscriptions.subscription_cancel(
        subscription=SubscriptionFactory(customer=customer),
        actor=actor,
        at_next_billing_date=True,
        feedback="missing_features",
        comment="Needs SSO",
    )
    subscriptions.subscription_cancellation_revoke(subscription=sub, actor=actor)
    sub.refresh_from_db()
    assert not sub.cancel_at_next_billing_date
    assert (sub.cancel_reason, sub.cancellation_feedback, sub.cancellation_comment) == ("", "", "")
    assert (sub.cancelled_by_type, sub.cancelled_by_label) == ("", "")
    event = Event.objects.get(type="subscription.cancellation_revoked", object_id=sub.pk)
    assert event.payload == {"customer_id": customer.pk}
    assert event.actor_label == actor.label


def test_the_renewal_run_signs_its_events_as_the_command(due):
    run = subscriptions.subscriptions_bill_due()
    assert run.renewed == 1
    renewed = Event.objects.get(type="subscription.renewed", object_id=due.pk)
    assert (renewed.actor_kind, renewed.actor_label) == ("system", "bill_due_subscriptions")
