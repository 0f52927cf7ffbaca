"""Tenancy and key scope: another business's key sees 404 everywhere, read-only keys
cannot write, and bad keys are indistinguishable."""

import pytest

from customers.accounts.api_keys import api_key_revoke
from customers.audit import Actor
from customers.models import ApiKey, Customer, Event, LicenseKey, Refund, Subscription
from tests.factories import RefundFactory
from tests.timing import within_one_window
from wallets.models import LedgerEntry


def endpoints(customer, b):
    """(method, path, body) for every keyed endpoint that names one of our objects."""
    key, instance, payment, sub = b["license_key"], b["instance"], b["payment"], b["subscription"]
    c = customer.pk
    return [
        ("get", f"/customers/{c}", None),
        ("patch", f"/customers/{c}", {"name": "Taken over"}),
        ("post", f"/customers/{c}/customer-portal/session", None),
        ("get", f"/customers/{c}/wallets", None),
        ("post", f"/customers/{c}/wallets/ledger-entries", {
            "amount": 100, "currency": "USD", "entry_type": "credit"}),
        ("get", f"/customers/{c}/wallets/ledger-entries", None),
        ("get", f"/payments/{payment.pk}", None),
        ("post", "/refunds", {"payment_id": payment.pk}),
        ("get", f"/subscriptions/{sub.pk}", None),
        ("patch", f"/subscriptions/{sub.pk}", {"status": "cancelled"}),
        ("get", f"/license_keys/{key.pk}", None),
        ("patch", f"/license_keys/{key.pk}", {"disabled": True}),
        ("get", f"/license_key_instances/{instance.pk}", None),
        ("patch", f"/license_key_instances/{instance.pk}", {"name": "Mine now"}),
        ("get", f"/invoices/payments/{payment.pk}", None),
    ]  # fmt: skip


def _call(api, method, path, body, key):
    if method == "get":
        return api.get(path, key=key)
    return getattr(api, method)(path, body, key=key)


def test_another_business_gets_404_on_every_endpoint(api, customer, billing, other_key):
    refund = RefundFactory(payment=billing["payment"])
    calls = [*endpoints(customer, billing), ("get", f"/refunds/{refund.pk}", None)]
    calls.append(("get", f"/invoices/refunds/{refund.pk}", None))
    events = Event.objects.count()
    for method, path, body in calls:
        response = _call(api, method, path, body, other_key)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json() == {"code": "NOT_FOUND", "message": "Not found."}
    assert Event.objects.count() == events
    assert LedgerEntry.objects.count() == 0
    assert Refund.objects.count() == 1
    assert Customer.objects.get(pk=customer.pk).name == "Ada Lovelace"
    assert Subscription.objects.get(pk=billing["subscription"].pk).status == "active"
    assert LicenseKey.objects.get(pk=billing["license_key"].pk).status == "active"


def test_lists_show_only_the_keys_business(api, customer, billing, other_key):
    assert api.post("/refunds", {"payment_id": billing["payment"].pk}).status_code == 200
    for path in ("/customers", "/payments", "/refunds", "/subscriptions", "/license_keys",
                 "/license_key_instances"):  # fmt: skip
        assert api.get(path).json()["items"], path
        assert api.get(path, key=other_key).json() == {"items": []}, path


def test_read_only_key_is_refused_every_write(api, customer, billing, read_only_key):
    events = Event.objects.count()
    writes = [c for c in endpoints(customer, billing) if c[0] != "get"]
    writes.append(("post", "/customers", {"email": "x@example.com", "name": "X"}))
    for method, path, body in writes:
        response = _call(api, method, path, body, read_only_key)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "FORBIDDEN"
    assert Event.objects.count() == events
    for method, path, _body in endpoints(customer, billing):
        if method == "get" and not path.startswith("/invoices"):
            assert api.get(path, key=read_only_key).status_code == 200, path


def test_unknown_revoked_and_malformed_keys_get_the_same_401(api, business, api_key):
    api_key_revoke(key=ApiKey.objects.get(business=business), actor=Actor.system("t"))
    bodies = set()
    for key in (api_key, "hub_sk_" + "A" * 40, "short", "hub_sk_" + "é" * 40, None):
        response = api.get("/customers", key=key)
        assert response.status_code == 401
        bodies.add(response.content)
    response = api.client.get("/api/customers", headers={"Authorization": "Basic abc"})
    bodies.add(response.content)
    assert len(bodies) == 1
    assert b'"UNAUTHORIZED"' in bodies.pop()


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_RATE_LIMIT = 3
    within_one_window(settings.API_RATE_WINDOW)
    statuses = [api.get("/customers").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/customers")
    assert response.json()["code"] == "TOO_MANY_REQUESTS"
    # A sliding window of ten slots: the first request leaves it within W + W/10 seconds.
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW * 11 // 10


def test_last_used_is_recorded_at_most_once_a_minute(api, business, django_assert_num_queries):
    assert ApiKey.objects.get(business=business).last_used_at is None
    api.get("/customers")
    first = ApiKey.objects.get(business=business).last_used_at
    assert first is not None
    api.get("/customers")
    assert ApiKey.objects.get(business=business).last_used_at == first


def test_writes_record_the_key_as_the_actor(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"name": "Ada King"})
    assert response.status_code == 200
    event = Event.objects.get(type="customer.updated")
    key = ApiKey.objects.get(business=customer.business)
    assert (event.actor_kind, event.actor_id, event.actor_label) == ("api_key", key.pk, key.name)


@pytest.mark.parametrize("path", ["/customers", "/customers/cus_x"])
def test_list_and_retrieve_use_a_constant_number_of_queries(
    api, business, path, django_assert_max_num_queries
):
    from tests.factories import CustomerFactory

    customers = CustomerFactory.create_batch(30, business=business)
    params = {} if path.endswith("cus_x") else {"page_size": 25}
    path = path.replace("cus_x", customers[0].pk)
    api.get(path)  # last_used_at is written on the first use
    # the key (with its business) and the page; nothing per row
    with django_assert_max_num_queries(2):
        assert api.get(path, **params).status_code == 200
