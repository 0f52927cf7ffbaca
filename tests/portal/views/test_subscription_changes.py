"""The customer's subscription changes in the portal (portal.views.subscription_changes):
pause and resume and plan switches only as the merchant allows, the amount shown before
a switch, and the retention offer shown once before a cancellation."""

import pytest
from django.urls import reverse

from customers.models import Event, PlanChange, Subscription
from portal.models import PortalSettings, RetentionOffer
from tests.factories import CustomerFactory, ProductFactory
from tests.portal.conftest import make_payment, make_product, make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub(portal_customer):
    sub = make_subscription(portal_customer, make_product(portal_customer.business))
    make_payment(portal_customer, sub.product, subscription=sub, pricing_type="subscription")
    return sub


def test_pause_and_resume_only_when_the_merchant_allows(portal_client, business, sub):
    detail = reverse("portal:subscription", args=[sub.pk])
    assert "Pause subscription" not in portal_client.get(detail).content.decode()
    response = portal_client.post(reverse("portal:subscription_pause", args=[sub.pk]), follow=True)
    assert "does not allow pausing" in response.content.decode()
    assert Subscription.objects.get(pk=sub.pk).status == "active"

    PortalSettings.objects.create(business=business, allow_pause=True)
    assert "Pause subscription" in portal_client.get(detail).content.decode()
    portal_client.post(reverse("portal:subscription_pause", args=[sub.pk]))
    assert Subscription.objects.get(pk=sub.pk).status == "paused"
    html = portal_client.get(detail).content.decode()
    assert "Resume subscription" in html and "Paused since" in html
    portal_client.post(reverse("portal:subscription_resume", args=[sub.pk]))
    assert Subscription.objects.get(pk=sub.pk).status == "active"
    event = Event.objects.get(type="subscription.paused")
    assert event.actor_kind == "customer"


def test_switch_plan_among_offered_plans_with_a_preview(portal_client, business, sub):
    team = make_product(business, name="Team plan", price=5000)
    hidden = make_product(business, name="Enterprise", price=90000)
    url = reverse("portal:subscription_change_plan", args=[sub.pk])
    assert (
        "Switch plan"
        not in portal_client.get(reverse("portal:subscription", args=[sub.pk])).content.decode()
    )
    settings_row = PortalSettings.objects.create(business=business, allow_plan_change=True)
    settings_row.plan_change_products.set([team])
    page = portal_client.get(url).content.decode()
    assert "Team plan" in page and "Enterprise" not in page

    preview = portal_client.post(url, {"product": team.pk, "preview": "1"}).content.decode()
    assert 'id="plan-change-preview"' in preview and "Confirm switch" in preview
    assert not PlanChange.objects.exists()  # nothing changes before the confirmation

    refused = portal_client.post(url, {"product": hidden.pk, "confirm": "1"})
    assert refused.status_code == 200 and not PlanChange.objects.exists()

    done = portal_client.post(url, {"product": team.pk, "confirm": "1"})
    assert done.status_code == 302
    change = PlanChange.objects.get()
    assert change.mode == "prorated_immediately" and change.status == "applied"
    assert Subscription.objects.get(pk=sub.pk).product == team


def test_retention_offer_shown_once_then_cancel(portal_client, business, sub):
    PortalSettings.objects.create(business=business, retention_percent=50, retention_cycles=1)
    url = reverse("portal:subscription_cancel", args=[sub.pk])
    body = {"when": "period_end", "feedback": "too_expensive"}
    offer = portal_client.post(url, body).content.decode()
    assert 'id="retention-offer"' in offer and "50% off 1 renewal" in offer
    assert not Subscription.objects.get(pk=sub.pk).cancel_at_next_billing_date
    # Declined: the same form again cancels, and the offer never comes back.
    assert portal_client.post(url, body).status_code == 302
    assert Subscription.objects.get(pk=sub.pk).cancel_at_next_billing_date
    portal_client.post(reverse("portal:subscription_keep", args=[sub.pk]))
    again = portal_client.post(url, body)
    assert again.status_code == 302 and RetentionOffer.objects.count() == 1


def test_accepting_the_offer_discounts_the_next_renewal(portal_client, business, sub):
    PortalSettings.objects.create(business=business, retention_percent=50, retention_cycles=1)
    portal_client.post(
        reverse("portal:subscription_cancel", args=[sub.pk]),
        {"when": "period_end", "feedback": "too_expensive"},
    )
    portal_client.post(reverse("portal:retention_accept", args=[sub.pk]))
    after = Subscription.objects.get(pk=sub.pk)
    assert after.status == "active" and not after.cancel_at_next_billing_date
    assert (after.discount_percent, after.discount_cycles_remaining) == (50, 1)
    assert after.renewal_amount == 1000  # half of $20.00
    again = portal_client.post(reverse("portal:retention_accept", args=[sub.pk]), follow=True)
    assert "no longer available" in again.content.decode()


def test_another_customers_subscription_is_404(portal_client, business):
    stranger = CustomerFactory(business=business)
    theirs = make_subscription(stranger, ProductFactory(business=business, recurring=True))
    PortalSettings.objects.create(business=business, allow_pause=True, allow_plan_change=True)
    for name in ("subscription_pause", "subscription_resume", "retention_accept"):
        assert portal_client.post(reverse(f"portal:{name}", args=[theirs.pk])).status_code == 404
    url = reverse("portal:subscription_change_plan", args=[theirs.pk])
    assert portal_client.get(url).status_code == 404
    assert Subscription.objects.get(pk=theirs.pk).status == "active"
