"""The official `dodopayments` client, unchanged but for its base URL, against a live
server: every endpoint of the subset, with results and errors checked."""

import datetime as dt

import pytest
from django.utils import timezone
from dodopayments import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DodoPayments,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

from customers.models import Event, LicenseKey, LicenseKeyInstance, Refund, Subscription
from tests.api.conftest import make_key

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The client marks /license_keys deprecated (in favour of entitlements); we still serve it.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def sdk(live_server, key, **kw):
    return DodoPayments(
        bearer_token=key,
        base_url=live_server.url + "/api",
        max_retries=0,
        _strict_response_validation=True,
        **kw,
    )


@pytest.fixture
def client(live_server, api_key):
    return sdk(live_server, api_key)


def test_customers_create_list_retrieve_update(client, business):
    ada = client.customers.create(
        email="ada@example.com",
        name="Ada Lovelace",
        phone_number="+44 20 7946 0958",
        metadata={"plan": "pro", "seats": 3},
        preferred_locale="ko",
    )
    assert ada.customer_id.startswith("cus_")
    assert ada.business_id == business.pk
    assert ada.phone_number == "+442079460958"
    assert ada.metadata == {"plan": "pro", "seats": 3}
    assert ada.preferred_locale == "ko"
    grace = client.customers.create(email="grace@example.com", name="Grace Hopper")
    assert grace.phone_number is None and grace.metadata == {}

    listed = client.customers.list(page_size=100).items
    assert [c.customer_id for c in listed] == [grace.customer_id, ada.customer_id]
    assert client.customers.list(email="ADA@example.com").items[0].customer_id == ada.customer_id
    assert [c.name for c in client.customers.list(name="hop").items] == ["Grace Hopper"]
    after = client.customers.list(created_at_gte=timezone.now() + dt.timedelta(hours=1))
    assert after.items == []
    assert client.customers.list(page_number=5).items == []
    first = client.customers.list(page_size=1, page_number=0).items
    second = client.customers.list(page_size=1, page_number=1).items
    assert [first[0].customer_id, second[0].customer_id] == [grace.customer_id, ada.customer_id]

    assert client.customers.retrieve(ada.customer_id).email == "ada@example.com"
    updated = client.customers.update(ada.customer_id, name="Ada King", phone_number=None)
    assert (updated.name, updated.phone_number, updated.preferred_locale) == (
        "Ada King",
        None,
        "ko",
    )
    cleared = client.customers.update(ada.customer_id, preferred_locale=None, metadata=None)
    assert cleared.preferred_locale is None and cleared.metadata == {}
    assert cleared.name == "Ada King"

    event = Event.objects.filter(type="customer.updated").latest("created_at")
    assert (event.actor_kind, event.actor_label) == ("api_key", "CI key")

    with pytest.raises(ConflictError) as exc:
        client.customers.create(email="ADA@example.com", name="Again")
    assert exc.value.body["code"] == "CUSTOMER_ALREADY_EXISTS"
    assert exc.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(UnprocessableEntityError) as exc:
        client.customers.create(email="not-an-email", name="X")
    assert exc.value.body["code"] == "INVALID_REQUEST_BODY"
    assert "email" in exc.value.body["message"]
    with pytest.raises(NotFoundError) as exc:
        client.customers.retrieve("cus_doesnotexist")
    assert exc.value.body == {"code": "NOT_FOUND", "message": "Not found."}


def test_bad_keys_get_the_same_401(live_server, customer, api_key):
    from customers.accounts.api_keys import api_key_revoke
    from customers.models import ApiKey

    revoked = make_key(customer.business, name="old")
    api_key_revoke(key=ApiKey.objects.get(name="old"), actor=_system())
    bodies = []
    wrong_last = api_key[:-1] + ("Z" if api_key[-1] != "Z" else "Y")  # never the real key
    for key in ["hub_sk_" + "x" * 40, "garbage", revoked, wrong_last]:
        with pytest.raises(AuthenticationError) as exc:
            sdk(live_server, key).customers.list()
        bodies.append(exc.value.body)
    assert bodies == [bodies[0]] * 4
    assert bodies[0]["code"] == "UNAUTHORIZED"


def _system():
    from customers.audit import Actor

    return Actor.system("tests")


def test_portal_session_link(client, customer, mailoutbox):
    session = client.customers.customer_portal.create(
        customer.pk, send_email=True, return_url="https://shop.example.com/account"
    )
    assert "/portal/session/" in session.link
    assert len(mailoutbox) == 1 and session.link in mailoutbox[0].body
    with pytest.raises(UnprocessableEntityError):
        client.customers.customer_portal.create(customer.pk, return_url="javascript:alert(1)")


def test_wallets_and_ledger(client, customer, settings):
    settings.USD_PER_CURRENCY = {"USD": 1_000_000, "INR": 12_000}
    wallets = client.customers.wallets.list(customer.pk)
    assert [(w.currency, w.balance) for w in wallets.items] == [("USD", 0), ("INR", 0)]
    assert wallets.total_balance_usd == 0

    usd = client.customers.wallets.ledger_entries.create(
        customer.pk, amount=1250, currency="USD", entry_type="credit", reason="Goodwill"
    )
    assert (usd.currency, usd.balance, usd.customer_id) == ("USD", 1250, customer.pk)
    inr = client.customers.wallets.ledger_entries.create(
        customer.pk, amount=100_000, currency="INR", entry_type="credit", idempotency_key="k1"
    )
    assert inr.balance == 100_000
    replay = client.customers.wallets.ledger_entries.create(
        customer.pk, amount=100_000, currency="INR", entry_type="credit", idempotency_key="k1"
    )
    assert replay.balance == 100_000  # posted once
    debit = client.customers.wallets.ledger_entries.create(
        customer.pk, amount=250, currency="USD", entry_type="debit"
    )
    assert debit.balance == 1000
    # 1000 cents + ₹1,000.00 × 0.012 = $10.00 + $12.00
    assert client.customers.wallets.list(customer.pk).total_balance_usd == 2200

    with pytest.raises(BadRequestError) as exc:
        client.customers.wallets.ledger_entries.create(
            customer.pk, amount=5000, currency="USD", entry_type="debit"
        )
    assert exc.value.body["code"] == "INSUFFICIENT_WALLET_FUNDS"
    with pytest.raises(UnprocessableEntityError) as exc:
        client.customers.wallets.ledger_entries.create(
            customer.pk, amount=5, currency="EUR", entry_type="credit"
        )
    assert "EUR" not in [w.currency for w in client.customers.wallets.list(customer.pk).items]
    with pytest.raises(UnprocessableEntityError) as exc:
        client.customers.wallets.ledger_entries.create(
            customer.pk, amount=1, currency="INR", entry_type="credit", idempotency_key="k1"
        )
    assert exc.value.body["code"] == "IDEMPOTENCY_KEY_REUSED"

    entries = client.customers.wallets.ledger_entries.list(customer.pk, page_size=100).items
    assert [(e.currency, e.is_credit, e.amount) for e in entries] == [
        ("USD", False, 250),
        ("INR", True, 100_000),
        ("USD", True, 1250),
    ]
    assert entries[0].before_balance == 1250 and entries[0].after_balance == 1000
    assert {e.event_type for e in entries} == {"merchant_adjustment"}
    assert entries[2].reason == "Goodwill"
    usd_only = client.customers.wallets.ledger_entries.list(customer.pk, currency="USD").items
    assert [e.amount for e in usd_only] == [250, 1250]


def test_payments_and_refunds(client, customer, billing):
    payment, sub_payment = billing["payment"], billing["sub_payment"]
    payments = client.payments.list(page_size=100).items
    assert [p.payment_id for p in payments] == [sub_payment.pk, payment.pk]
    one_time = payments[1]
    assert one_time.has_license_key is True and one_time.payment_provider == "dodo"
    assert one_time.customer.customer_id == customer.pk and one_time.total_amount == 5000
    assert [p.payment_id for p in client.payments.list(subscription_id=billing["subscription"].pk)]
    assert client.payments.list(status="failed").items == []
    assert client.payments.list(brand_id="bus_other").items == []
    assert len(client.payments.list(product_id=billing["product"].pk).items) == 1

    full = client.payments.retrieve(payment.pk)
    assert full.refunds == [] and full.disputes == [] and full.refund_status is None
    assert full.product_cart[0].product_id == billing["product"].pk
    assert full.invoice_url and "token=" in full.invoice_url

    refund = client.refunds.create(
        payment_id=payment.pk,
        items=[{"item_id": billing["product"].pk, "amount": 1000}],
        reason="Broken download",
        metadata={"ticket": "T-1"},
    )
    assert (refund.amount, refund.is_partial, refund.status) == (1000, True, "succeeded")
    assert refund.customer.customer_id == customer.pk and refund.metadata == {"ticket": "T-1"}
    assert client.payments.retrieve(payment.pk).refund_status == "partial"

    with pytest.raises(BadRequestError) as exc:
        client.refunds.create(
            payment_id=payment.pk, items=[{"item_id": billing["product"].pk, "amount": 10_000}]
        )
    assert exc.value.body["code"] == "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT"
    assert exc.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(BadRequestError) as exc:
        client.refunds.create(payment_id=payment.pk, items=[{"item_id": "pdt_nope"}])
    assert exc.value.body["code"] == "LINE_ITEM_NOT_FOUND"

    rest = client.refunds.create(payment_id=payment.pk)
    assert (rest.amount, rest.is_partial) == (4000, True)
    assert client.payments.retrieve(payment.pk).refund_status == "full"
    with pytest.raises(BadRequestError) as exc:
        client.refunds.create(payment_id=payment.pk)
    assert exc.value.body["code"] == "NOTHING_TO_REFUND"
    with pytest.raises(NotFoundError):
        client.refunds.create(payment_id="pay_nope")

    refunds = client.refunds.list(page_size=100).items
    assert [r.refund_id for r in refunds] == [rest.refund_id, refund.refund_id]
    assert client.refunds.list(status="pending").items == []
    assert len(client.refunds.list(customer_id=customer.pk).items) == 2
    assert client.refunds.retrieve(refund.refund_id).reason == "Broken download"
    # A refund of a one-time purchase disables its license keys.
    assert LicenseKey.objects.get(pk=billing["license_key"].pk).status == "disabled"


def test_invoices_for_the_owner_or_a_signed_token(client, live_server, billing, other_key):
    payment = billing["payment"]
    pdf = client.invoices.payments.retrieve(payment.pk).read()
    assert pdf.startswith(b"%PDF")
    refund = client.refunds.create(payment_id=payment.pk)
    assert client.invoices.payments.retrieve_refund(refund.refund_id).read().startswith(b"%PDF")

    token = client.payments.retrieve(payment.pk).invoice_url.split("token=")[1]
    stranger = sdk(live_server, other_key)
    with pytest.raises(NotFoundError):
        stranger.invoices.payments.retrieve(payment.pk)
    assert stranger.invoices.payments.retrieve(payment.pk, token=token).read()[:4] == b"%PDF"
    with pytest.raises(NotFoundError):
        stranger.invoices.payments.retrieve(payment.pk, token=token + "x")
    with pytest.raises(NotFoundError):  # a payment's token does not open a refund
        stranger.invoices.payments.retrieve_refund(refund.refund_id, token=token)


def test_subscriptions(client, customer, billing):
    sub = billing["subscription"]
    listed = client.subscriptions.list().items
    assert [s.subscription_id for s in listed] == [sub.pk]
    assert listed[0].product_name == "Team plan" and listed[0].has_payment_method is True
    assert client.subscriptions.list(status="cancelled").items == []
    assert client.subscriptions.list(cancel_at_next_billing_date=True).items == []

    scheduled = client.subscriptions.update(
        sub.pk,
        cancel_at_next_billing_date=True,
        cancellation_feedback="too_expensive",
        cancellation_comment="Budget cuts",
    )
    assert scheduled.cancel_at_next_billing_date is True and scheduled.status == "active"
    assert (
        scheduled.cancelled_by.actor_type == "api_key" and scheduled.cancelled_by.name == "CI key"
    )
    assert client.subscriptions.retrieve(sub.pk).cancellation_feedback == "too_expensive"
    revoked = client.subscriptions.update(sub.pk, cancel_at_next_billing_date=False)
    assert revoked.cancel_at_next_billing_date is False and revoked.cancelled_by is None

    for body in (
        {"pause": True},
        {"status": "paused", "metadata": {"a": "b"}},
        {"status": "active", "tax_id": "DE123"},
        {"cancellation_comment": "why"},
        {"status": "cancelled", "customer_name": "Ada L."},
    ):
        with pytest.raises(UnprocessableEntityError) as exc:
            client.subscriptions.update(sub.pk, **body)
        assert exc.value.body["code"] == "INVALID_REQUEST_BODY", body
    assert client.subscriptions.update(sub.pk, status="active").status == "active"

    cancelled = client.subscriptions.update(
        sub.pk, status="cancelled", cancel_reason="cancelled_by_merchant"
    )
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert Subscription.objects.get(pk=sub.pk).status == "cancelled"
    with pytest.raises(ConflictError) as exc:
        client.subscriptions.update(sub.pk, status="cancelled")
    assert exc.value.body["code"] == "SUBSCRIPTION_INACTIVE"


def test_license_keys_and_instances(client, customer, billing):
    key, instance = billing["license_key"], billing["instance"]
    listed = client.license_keys.list().items
    assert [(k.id, k.instances_count, k.status) for k in listed] == [(key.pk, 1, "active")]
    assert client.license_keys.list(status="disabled").items == []
    got = client.license_keys.retrieve(key.pk)
    assert got.key == key.key and got.activations_limit == 3 and got.payment_id == key.payment_id

    updated = client.license_keys.update(key.pk, activations_limit=5, expires_at=None)
    assert updated.activations_limit == 5
    with pytest.raises(UnprocessableEntityError) as exc:
        client.license_keys.update(key.pk, activations_limit=0)
    assert exc.value.body["code"] == "ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT"
    assert client.license_keys.update(key.pk, disabled=True).status == "disabled"
    assert client.license_keys.update(key.pk, disabled=False).status == "active"
    unlimited = client.license_keys.update(key.pk, activations_limit=None)
    assert unlimited.activations_limit is None
    later = timezone.now() + dt.timedelta(days=30)
    assert client.license_keys.update(key.pk, expires_at=later).expires_at is not None

    instances = client.license_key_instances.list(license_key_id=key.pk).items
    assert [i.id for i in instances] == [instance.pk]
    assert client.license_key_instances.list(grant_id="grant_1").items == []
    assert client.license_key_instances.retrieve(instance.pk).name == instance.name
    renamed = client.license_key_instances.update(instance.pk, name="Work laptop")
    assert renamed.name == "Work laptop"
    with pytest.raises(NotFoundError):
        client.license_key_instances.retrieve("lki_nope")


def test_subscription_keys_cannot_expire(client, customer, billing):
    from tests.portal.conftest import make_license

    key = make_license(
        customer, billing["plan"], key="sub-key-1", subscription=billing["subscription"]
    )
    with pytest.raises(BadRequestError) as exc:
        client.license_keys.update(key.pk, expires_at=timezone.now() + dt.timedelta(days=1))
    assert exc.value.body["code"] == "NO_EXPIRY_ON_SUBSCRIPTION_LICENSE_KEYS"


def test_public_license_endpoints_ignore_the_authorization_header(live_server, billing):
    key = billing["license_key"]
    anyone = sdk(live_server, "not-a-real-key")
    activation = anyone.licenses.activate(license_key=key.key, name="Desktop")
    assert activation.license_key_id == key.pk and activation.product.product_id == key.product_id
    assert activation.customer.customer_id == key.customer_id
    assert LicenseKeyInstance.objects.filter(license_key=key).count() == 2

    assert anyone.licenses.validate(license_key=key.key).valid is True
    assert anyone.licenses.validate(
        license_key=key.key, license_key_instance_id=activation.id
    ).valid
    assert not anyone.licenses.validate(license_key=key.key, license_key_instance_id="lki_x").valid
    assert anyone.licenses.validate(license_key="unknown").valid is False

    anyone.licenses.activate(license_key=key.key, name="Tablet")
    with pytest.raises(UnprocessableEntityError) as exc:  # limit 3
        anyone.licenses.activate(license_key=key.key, name="Phone")
    assert exc.value.body["code"] == "LICENSE_KEY_LIMIT_REACHED"
    assert (
        anyone.licenses.deactivate(license_key=key.key, license_key_instance_id=activation.id)
        is None
    )
    assert not LicenseKeyInstance.objects.filter(pk=activation.id).exists()
    with pytest.raises(PermissionDeniedError):
        anyone.licenses.deactivate(license_key=key.key, license_key_instance_id=activation.id)
    with pytest.raises(NotFoundError) as exc:
        anyone.licenses.activate(license_key="unknown", name="X")
    assert exc.value.body["code"] == "LICENSE_KEY_NOT_FOUND"

    LicenseKey.objects.filter(pk=key.pk).update(status="disabled", disabled_reason="manual")
    with pytest.raises(PermissionDeniedError) as exc:
        anyone.licenses.activate(license_key=key.key, name="Y")
    assert exc.value.body["code"] == "INACTIVE_LICENSE_KEY"
    assert anyone.licenses.validate(license_key=key.key).valid is False


def test_read_only_key_reads_but_cannot_write(live_server, customer, read_only_key):
    reader = sdk(live_server, read_only_key)
    assert reader.customers.retrieve(customer.pk).customer_id == customer.pk
    with pytest.raises(PermissionDeniedError) as exc:
        reader.customers.update(customer.pk, name="Nope")
    assert exc.value.body["code"] == "FORBIDDEN"
    assert Refund.objects.count() == 0
