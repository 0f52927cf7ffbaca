"""The official client against a live server: pause, resume, update, plan change with
its preview, and the customer's e-mail log (the e-mails those changes sent)."""

import pytest
from dodopayments import ConflictError, NotFoundError, UnprocessableEntityError

from customers.models import EmailLog
from tests.api.conftest import make_key
from tests.api.test_sdk import sdk
from tests.portal.conftest import make_payment, make_product
from tests.portal.conftest import make_subscription as make_sub

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, api_key):
    return sdk(live_server, api_key)


def test_pause_resume_update_and_change_plan(client, customer):
    sub = make_sub(customer, make_product(customer.business))
    make_payment(customer, sub.product, subscription=sub, pricing_type="subscription")
    team = make_product(customer.business, name="Team", price=5000)

    assert client.subscriptions.update(sub.pk, status="paused").status == "paused"
    with pytest.raises(ConflictError):
        client.subscriptions.preview_change_plan(
            sub.pk, product_id=team.pk, proration_billing_mode="full_immediately", quantity=1
        )
    resumed = client.subscriptions.update(sub.pk, status="active")
    assert resumed.status == "active" and resumed.paused_at is None
    updated = client.subscriptions.update(
        sub.pk, metadata={"seats": 2}, tax_id="DE811907980", billing={"country": "DE"}
    )
    assert updated.metadata == {"seats": 2} and updated.tax_id == "DE811907980"
    assert updated.billing.country == "DE"
    with pytest.raises(UnprocessableEntityError):
        client.subscriptions.update(sub.pk, status="paused", tax_id="X")

    preview = client.subscriptions.preview_change_plan(
        sub.pk, product_id=team.pk, proration_billing_mode="difference_immediately", quantity=2
    )
    assert preview.immediate_charge.summary.total_amount == 2 * 5000 - 2000
    assert preview.new_plan.quantity == 2
    changed = client.subscriptions.change_plan(
        sub.pk, product_id=team.pk, proration_billing_mode="difference_immediately", quantity=2
    )
    assert changed.payment_id and changed.payment_id.startswith("pay_")
    after = client.subscriptions.retrieve(sub.pk)
    assert after.product_id == team.pk and after.recurring_pre_tax_amount == 10000


def test_email_log_with_the_client(client, customer, live_server, other_business):
    sub = make_sub(customer, make_product(customer.business))
    client.subscriptions.update(sub.pk, status="paused")
    client.subscriptions.update(sub.pk, status="active")
    EmailLog.objects.update(status="sent")  # the worker's part (tests/customers/emails)
    emails = client.customers.emails.list(customer.pk).items
    assert [e.email_type for e in emails] == ["subscription_resumed", "subscription_paused"]
    assert emails[0].recipient == customer.email and emails[0].status == "sent"
    assert emails[0].category == "subscriptions" and emails[0].has_preview
    body = client.customers.emails.retrieve_body(emails[1].email_log_id, customer_id=customer.pk)
    assert "paused" in body.text and body.merchant_authored is False
    stranger = sdk(live_server, make_key(other_business))
    with pytest.raises(NotFoundError):
        stranger.customers.emails.list(customer.pk)
    with pytest.raises(NotFoundError):
        stranger.customers.emails.retrieve_body(emails[0].email_log_id, customer_id=customer.pk)
