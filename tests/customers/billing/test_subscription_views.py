"""The dashboard's subscription changes and customer e-mail pages
(customers.billing.subscription_views, the details page's E-mails tab): isolation,
permissions, the plan-change preview, the settings form, query counts."""

import pytest
from django.urls import reverse

from customers.emails.services import email_queue
from customers.models import CustomerEmailSettings, Event, PlanChange, Subscription
from tests.factories import CustomerFactory, ProductFactory, SubscriptionFactory
from tests.portal.conftest import make_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub(customer):
    sub = SubscriptionFactory(customer=customer)
    make_payment(customer, sub.product, subscription=sub, pricing_type="subscription")
    return sub


def urls(sub):
    args = [sub.customer_id, sub.pk]
    return [
        ("post", reverse("customers:subscription_pause", args=args)),
        ("post", reverse("customers:subscription_resume", args=args)),
        ("get", reverse("customers:subscription_change_plan", args=args)),
        ("post", reverse("customers:subscription_change_plan", args=args)),
    ]


def test_other_businesses_subscriptions_are_404(owner_client, other_business):
    theirs = SubscriptionFactory(customer=CustomerFactory(business=other_business))
    for method, url in urls(theirs):
        assert getattr(owner_client, method)(url).status_code == 404
    assert Subscription.objects.get(pk=theirs.pk).status == "active"


def test_viewers_cannot_change_subscriptions(viewer_client, sub):
    for method, url in urls(sub):
        assert getattr(viewer_client, method)(url).status_code == 403
    assert viewer_client.get(reverse("email_settings")).status_code == 403
    assert Subscription.objects.get(pk=sub.pk).status == "active"


def test_pause_and_resume_from_the_subscriptions_tab(owner_client, sub):
    tab = reverse("customers:detail", args=[sub.customer_id]) + "?tab=subscriptions"
    assert "Pause" in owner_client.get(tab).content.decode()
    owner_client.post(reverse("customers:subscription_pause", args=[sub.customer_id, sub.pk]))
    html = owner_client.get(tab).content.decode()
    assert "Resume" in html and "Paused since" in html
    response = owner_client.post(
        reverse("customers:subscription_resume", args=[sub.customer_id, sub.pk]), follow=True
    )
    assert "active again" in response.content.decode()
    assert Subscription.objects.get(pk=sub.pk).status == "active"
    # Resuming an active one says why it cannot.
    response = owner_client.post(
        reverse("customers:subscription_resume", args=[sub.customer_id, sub.pk]), follow=True
    )
    assert "Only a paused subscription" in response.content.decode()


def test_change_plan_previews_then_confirms(owner_client, sub, business):
    team = ProductFactory(business=business, recurring=True, name="Team", price=4000)
    url = reverse("customers:subscription_change_plan", args=[sub.customer_id, sub.pk])
    form = {"product": team.pk, "quantity": 1, "mode": "difference_immediately"}
    preview = owner_client.post(url, {**form, "preview": "1"}).content.decode()
    assert "$30.00" in preview and "Confirm change" in preview  # $40 − $10
    assert not PlanChange.objects.exists()
    assert owner_client.post(url, {**form, "confirm": "1"}).status_code == 302
    assert Subscription.objects.get(pk=sub.pk).product == team
    assert Event.objects.get(type="subscription.plan_changed").actor_kind == "user"


def test_change_plan_bad_input_re_renders(owner_client, sub, other_business):
    url = reverse("customers:subscription_change_plan", args=[sub.customer_id, sub.pk])
    foreign = ProductFactory(business=other_business, recurring=True)
    for form in (
        {"product": foreign.pk, "quantity": 1, "mode": "full_immediately"},
        {"product": "", "quantity": 1, "mode": "full_immediately"},
        {"product": sub.product_id, "quantity": 0, "mode": "nope"},
    ):
        response = owner_client.post(url, {**form, "confirm": "1"})
        assert response.status_code == 200 and response.context["form"].errors
    assert not PlanChange.objects.exists()


def test_email_settings_page_saves_the_switches(owner_client, business):
    url = reverse("email_settings")
    assert owner_client.get(url).status_code == 200
    data = {kind: "on" for kind in CustomerEmailSettings.KINDS if kind != "upcoming_renewal"}
    response = owner_client.post(url, {**data, "upcoming_renewal_days": "7"})
    assert response.status_code == 302
    saved = CustomerEmailSettings.objects.get(business=business)
    assert not saved.upcoming_renewal and saved.payment_succeeded
    assert saved.upcoming_renewal_days == 7
    assert Event.objects.filter(type="email_settings.updated").count() == 1
    bad = owner_client.post(url, {**data, "upcoming_renewal_days": "31"})
    assert bad.status_code == 200 and "upcoming_renewal_days" in bad.context["form"].errors


def queue(customer, n):
    for i in range(n):
        email_queue(
            business=customer.business,
            customer_id=customer.pk,
            to=customer.email,
            subject=f"Receipt {i}",
            body="Thanks",
            category="payments",
            email_type="payment_succeeded",
        )


def test_emails_tab_lists_what_was_sent(owner_client, customer, other_business):
    queue(customer, 2)
    email_queue(
        business=customer.business,
        customer_id=customer.pk,
        to=customer.email,
        subject="Your sign-in link",
        body="SECRET-TOKEN",
        category="auth",
        email_type="portal_magic_link",
    )
    stranger = CustomerFactory(business=other_business)
    queue(stranger, 1)
    url = reverse("customers:detail", args=[customer.pk]) + "?tab=emails"
    html = owner_client.get(url).content.decode()
    assert "Receipt 0" in html and "Receipt 1" in html and customer.email in html
    assert "SECRET-TOKEN" not in html and "Your sign-in link" in html
    fragment = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "emails-table" in fragment and "<html" not in fragment


def test_emails_tab_query_count_does_not_grow(
    owner_client, customer, django_assert_max_num_queries
):
    url = reverse("customers:detail", args=[customer.pk]) + "?tab=emails"
    queue(customer, 1)
    with django_assert_max_num_queries(40) as small:
        owner_client.get(url)
    queue(customer, 15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url)
