"""PATCH /subscriptions/{id} fields, pause and resume, change-plan and its preview, and
the e-mail log (customers/api/subscriptions.py, plan_changes.py, emails.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.emails.services import email_queue
from customers.models import EmailLog, PlanChange, Subscription
from tests.api.test_bad_input import assert_422
from tests.factories import CustomerFactory, ProductFactory
from tests.portal.conftest import make_payment, make_product
from tests.portal.conftest import make_subscription as make_sub

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub(customer):
    sub = make_sub(customer, make_product(customer.business))
    make_payment(customer, sub.product, subscription=sub, pricing_type="subscription")
    return sub


def test_patch_each_field(api, sub):
    when = (timezone.now() + dt.timedelta(days=45)).replace(microsecond=0)
    body = {
        "next_billing_date": when.isoformat(),
        "metadata": {"seats": 3, "vip": True},
        "billing": {"country": "KR", "city": "Seoul", "zipcode": "04524"},
        "tax_id": "KR1234567890",
        "customer_name": "Ada Ltd",
    }
    response = api.patch(f"/subscriptions/{sub.pk}", body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert dt.datetime.fromisoformat(out["next_billing_date"]) == when
    assert out["metadata"] == {"seats": 3, "vip": True}
    assert out["billing"]["country"] == "KR" and out["billing"]["city"] == "Seoul"
    assert out["tax_id"] == "KR1234567890"
    assert out["customer"]["name"] == "Ada Ltd"
    # each alone, too; tax_id "" clears it
    assert api.patch(f"/subscriptions/{sub.pk}", {"tax_id": ""}).json()["tax_id"] is None


def test_pause_and_resume_alone(api, sub):
    paused = api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"}).json()
    assert paused["status"] == "paused" and paused["paused_at"]
    again = api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"})
    assert again.status_code == 200  # a retry changes nothing
    resumed = api.patch(f"/subscriptions/{sub.pk}", {"status": "active"}).json()
    assert resumed["status"] == "active" and resumed["paused_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "paused", "metadata": {"a": 1}}, "alone"),
        ({"status": "active", "cancel_at_next_billing_date": False}, "alone"),
        ({"status": "cancelled", "tax_id": "X"}, "cancellation"),
        ({"cancel_at_next_billing_date": True, "metadata": {}}, "cancellation"),
        ({"next_billing_date": 1700000000}, "next_billing_date"),
        ({"billing": {"city": "Seoul"}}, "country"),
        ({"billing": {"country": "kr"}}, "country"),
        ({"tax_id": "x" * 65}, "tax_id"),
        ({"customer_name": "  "}, "customer_name"),
        ({"metadata": {"k": [1]}}, "metadata"),
        ({"customer_business_name": "Acme"}, "customer_business_name"),
        ({"status": "on_hold"}, "status"),
    ],
)
def test_bad_or_conflicting_patches_are_422_and_change_nothing(api, sub, body, field):
    before = Subscription.objects.get(pk=sub.pk)
    assert_422(api.patch(f"/subscriptions/{sub.pk}", body), field)
    after = Subscription.objects.get(pk=sub.pk)
    assert (after.status, after.metadata, after.tax_id) == (
        before.status,
        before.metadata,
        before.tax_id,
    )


def test_a_past_next_billing_date_is_422_with_its_code(api, sub):
    response = api.patch(f"/subscriptions/{sub.pk}", {"next_billing_date": "2001-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_NEXT_BILLING_DATE"
    assert "future" in response.json()["message"]


def test_resume_of_an_active_cancelled_subscription_is_409(api, sub):
    Subscription.objects.filter(pk=sub.pk).update(status="cancelled")
    response = api.patch(f"/subscriptions/{sub.pk}", {"status": "active"})
    assert response.status_code == 409 and response.json()["code"] == "SUBSCRIPTION_NOT_PAUSED"
    response = api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"})
    assert response.status_code == 409 and response.json()["code"] == "SUBSCRIPTION_NOT_ACTIVE"


def change_body(product, mode="prorated_immediately", **kw):
    return {"product_id": product.pk, "proration_billing_mode": mode, "quantity": 1, **kw}


def test_preview_then_change_plan(api, sub):
    team = make_product(sub.business, name="Team", price=5000)
    preview = api.post(f"/subscriptions/{sub.pk}/change-plan/preview", change_body(team))
    assert preview.status_code == 200, preview.content
    summary = preview.json()["immediate_charge"]["summary"]
    assert summary["total_amount"] > 0 and summary["customer_credits"] == 0
    assert preview.json()["new_plan"]["product_id"] == team.pk
    assert not PlanChange.objects.exists()  # a preview changes nothing

    full = api.post(f"/subscriptions/{sub.pk}/change-plan", change_body(team, "full_immediately"))
    assert full.status_code == 200, full.content
    assert full.json()["payment_id"].startswith("pay_")
    got = api.get(f"/subscriptions/{sub.pk}").json()
    assert got["product_id"] == team.pk and got["recurring_pre_tax_amount"] == 5000


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"proration_billing_mode": "do_not_bill"}, "proration_billing_mode"),
        ({"quantity": 0}, "quantity"),
        ({"effective_at": "next_billing_date"}, "effective_at"),
        ({"collect_via_payment_link": True}, "collect_via_payment_link"),
        ({"on_payment_failure": "apply_change"}, "on_payment_failure"),
    ],
)
def test_change_plan_bad_input(api, sub, extra, field):
    team = make_product(sub.business, name="Team", price=5000)
    assert_422(api.post(f"/subscriptions/{sub.pk}/change-plan", {**change_body(team), **extra}))
    assert not PlanChange.objects.exists()


def test_change_plan_refusals(api, sub, other_business):
    foreign = ProductFactory(business=other_business, recurring=True)
    response = api.post(f"/subscriptions/{sub.pk}/change-plan", change_body(foreign))
    assert response.status_code == 404
    one_time = ProductFactory(business=sub.business, is_recurring=False)
    response = api.post(f"/subscriptions/{sub.pk}/change-plan", change_body(one_time))
    assert response.status_code == 422 and response.json()["code"] == "INVALID_PLAN"
    team = make_product(sub.business, name="Team", price=5000)
    response = api.post(f"/subscriptions/{sub.pk}/change-plan", change_body(team, addons=[]))
    assert response.status_code == 422 and "addons" in response.json()["message"]
    PlanChange.objects.create(
        business=sub.business,
        subscription=sub,
        from_product=sub.product,
        to_product=team,
        from_quantity=1,
        quantity=1,
        mode="full_immediately",
        currency="USD",
        from_amount=2000,
        to_amount=5000,
        charge_amount=5000,
    )
    response = api.post(f"/subscriptions/{sub.pk}/change-plan", change_body(team))
    assert response.status_code == 409 and response.json()["code"] == "PLAN_CHANGE_PENDING"


def test_other_business_and_read_only_key(api, sub, other_key, read_only_key):
    team = make_product(sub.business, name="Team", price=5000)
    for path, body in (
        (f"/subscriptions/{sub.pk}/change-plan", change_body(team)),
        (f"/subscriptions/{sub.pk}/change-plan/preview", change_body(team)),
    ):
        assert api.post(path, body, key=other_key).status_code == 404
    assert (
        api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"}, key=other_key).status_code
        == 404
    )
    response = api.post(
        f"/subscriptions/{sub.pk}/change-plan", change_body(team), key=read_only_key
    )
    assert response.status_code == 403
    response = api.patch(f"/subscriptions/{sub.pk}", {"status": "paused"}, key=read_only_key)
    assert response.status_code == 403
    assert Subscription.objects.get(pk=sub.pk).status == "active"


def sent(business, customer, **kw):
    email = email_queue(
        business=business,
        customer_id=customer.pk,
        to=customer.email,
        subject=kw.pop("subject", "Payment received"),
        body=kw.pop("body", "Thank you."),
        category=kw.pop("category", "payments"),
        email_type=kw.pop("email_type", "payment_succeeded"),
    )
    EmailLog.objects.filter(pk=email.pk).update(**{"status": "sent", **kw})
    return email


def test_email_log_lists_newest_first_and_shows_bodies(api, business, customer, other_key):
    first = sent(business, customer)
    failed = sent(business, customer, status="failed", failure_reason="SMTP 550")
    auth = sent(business, customer, category="auth", email_type="portal_magic_link", body="TOKEN")
    queued = email_queue(
        business=business,
        customer_id=customer.pk,
        to=customer.email,
        subject="Later",
        body="x",
        category="payments",
        email_type="payment_succeeded",
    )
    other = CustomerFactory(business=business)
    sent(business, other)
    items = api.get(f"/customers/{customer.pk}/emails").json()["items"]
    assert [i["email_log_id"] for i in items] == [auth.pk, failed.pk, first.pk]
    assert queued.pk not in {i["email_log_id"] for i in items}
    assert items[1]["status"] == "failed" and items[1]["failure_code"] == "send_failed"
    assert items[2]["recipient"] == customer.email and items[2]["from"]
    assert items[0]["has_preview"] is False
    body = api.get(f"/customers/{customer.pk}/emails/{first.pk}/body").json()
    assert body["text"] == "Thank you."
    assert api.get(f"/customers/{customer.pk}/emails/{auth.pk}/body").json()["text"] is None
    # another business's key, or the e-mail through another customer: 404
    assert api.get(f"/customers/{customer.pk}/emails", key=other_key).status_code == 404
    assert api.get(f"/customers/{other.pk}/emails/{first.pk}/body").status_code == 404
    assert_422(api.get(f"/customers/{customer.pk}/emails", page_size=101))
    page = api.get(f"/customers/{customer.pk}/emails", page_size=2, page_number=1).json()
    assert [i["email_log_id"] for i in page["items"]] == [first.pk]
