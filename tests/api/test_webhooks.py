"""`client.webhooks` of the official client against a live server: endpoints, their
secret and headers, cursor pages, errors; and a delivery it verifies with `unwrap`."""

import pytest
from django.test import Client as DjangoClient
from dodopayments import NotFoundError, PermissionDeniedError, UnprocessableEntityError

from customers.models import WebhookEndpoint
from tests.api.conftest import Api, make_key
from tests.api.test_sdk import sdk
from tests.customers.webhooks.receiver import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, api_key):
    return sdk(live_server, api_key)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_create_retrieve_update_delete(client):
    created = client.webhooks.create(
        url="https://hooks.example.com/dodo",
        description="Billing sync",
        filter_types=["payment.succeeded", "refund.succeeded"],
        metadata={"team": "billing"},
        headers={"X-Team": "billing", "Authorization": "Bearer s3cret"},
        rate_limit=50,
    )
    assert created.id.startswith("ep_")
    assert (created.url, created.disabled, created.rate_limit) == (
        "https://hooks.example.com/dodo",
        False,
        50,
    )
    assert created.filter_types == ["payment.succeeded", "refund.succeeded"]
    assert client.webhooks.retrieve(created.id).metadata == {"team": "billing"}

    updated = client.webhooks.update(created.id, disabled=True, description=None, filter_types=[])
    assert (updated.disabled, updated.description, updated.filter_types) == (True, "", [])
    assert updated.url == created.url

    secret = client.webhooks.retrieve_secret(created.id).secret
    assert secret.startswith("whsec_")

    headers = client.webhooks.headers.retrieve(created.id)
    assert headers.headers == {"X-Team": "billing"}
    assert headers.sensitive == ["Authorization"]
    client.webhooks.headers.update(created.id, headers={"X-Env": "live"})
    assert client.webhooks.headers.retrieve(created.id).headers == {
        "X-Team": "billing",
        "X-Env": "live",
    }

    client.webhooks.delete(created.id)
    with pytest.raises(NotFoundError):
        client.webhooks.retrieve(created.id)


def test_the_list_pages_with_an_iterator(client):
    ids = [client.webhooks.create(url=f"https://h{n}.example.com/").id for n in range(5)]
    first = client.webhooks.list(limit=2)
    assert [w.id for w in first.data] == ids[:2] and first.done is False
    assert [w.id for w in client.webhooks.list(limit=2)] == ids  # auto-paging
    last = client.webhooks.list(limit=2, iterator=ids[3])
    assert [w.id for w in last.data] == ids[4:] and last.done is True


def test_the_same_idempotency_key_returns_the_first_endpoint(client):
    first = client.webhooks.create(url="https://a.example.com/", idempotency_key="k1")
    again = client.webhooks.create(url="https://a.example.com/", idempotency_key="k1")
    assert first.id == again.id
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"url": "not a url"},
        {"url": "ftp://files.example.com/"},
        {"url": "https://a.example.com/", "filter_types": ["payment.teleported"]},
        {"url": "https://a.example.com/", "rate_limit": -1},
        {"url": "https://a.example.com/", "headers": {"Bad Name": "x"}},
        {"url": "https://a.example.com/", "headers": {"X-A": "line\r\nbreak"}},
    ],
)
def test_bad_input_is_a_422(client, body):
    with pytest.raises(UnprocessableEntityError):
        client.webhooks.create(**body)
    assert not WebhookEndpoint.objects.exists()


def test_metadata_values_must_be_text(live_server, api_key):
    raw = sdk(live_server, api_key).with_raw_response
    with pytest.raises(UnprocessableEntityError):
        raw.webhooks.create(url="https://a.example.com/", extra_body={"metadata": {"n": 1}})


def test_another_business_endpoint_is_not_found(client, live_server, other_business):
    theirs = sdk(live_server, make_key(other_business)).webhooks.create(
        url="https://globex.example.com/"
    )
    for call in (
        client.webhooks.retrieve,
        client.webhooks.retrieve_secret,
        client.webhooks.delete,
        client.webhooks.headers.retrieve,
    ):
        with pytest.raises(NotFoundError):
            call(theirs.id)
    assert [w.id for w in client.webhooks.list()] == []


def test_a_read_only_key_cannot_read_the_secret(client, live_server, read_only_key):
    created = client.webhooks.create(url="https://a.example.com/")
    reader = sdk(live_server, read_only_key)
    assert reader.webhooks.retrieve(created.id).id == created.id
    with pytest.raises(PermissionDeniedError):
        reader.webhooks.retrieve_secret(created.id)


def test_rotating_the_secret_keeps_the_old_one_signing(client, live_server, api_key, receiver):
    created = client.webhooks.create(url=receiver.url)
    old = client.webhooks.retrieve_secret(created.id).secret
    response = client.post(f"/webhooks/{created.id}/secret/rotate", cast_to=object)
    new = response["secret"]
    assert new != old and client.webhooks.retrieve_secret(created.id).secret == new
    customer = client.customers.create(email="ada@example.com", name="Ada")
    (request,) = receiver.requests
    for key in (old, new):
        event = client.webhooks.unwrap(request.body, headers=request.headers, key=key)
        assert event.data.customer_id == customer.customer_id


def test_the_openapi_schema_documents_every_event_type(client):
    schema = client.get("/openapi.json", cast_to=object)
    hooks = schema["webhooks"]
    assert "refund.succeeded" in hooks and "customer.wallet.credited" in hooks
    body = hooks["refund.succeeded"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["data"] == {"$ref": "#/components/schemas/RefundOut"}
    for hook in hooks.values():
        data = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        for ref in _refs(data):
            assert ref.split("/")[-1] in schema["components"]["schemas"]
    assert "customer.wallet.debited" in schema["info"]["description"]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)


def test_a_bad_update_changes_nothing(client):
    created = client.webhooks.create(url="https://a.example.com/", description="A")
    for bad in ({"url": "javascript:alert(1)"}, {"filter_types": ["nope"]}, {"rate_limit": 0}):
        with pytest.raises(UnprocessableEntityError):
            client.webhooks.update(created.id, description="B", **bad)
    again = client.webhooks.retrieve(created.id)
    assert (again.url, again.description) == ("https://a.example.com/", "A")
    with pytest.raises(NotFoundError):
        client.webhooks.retrieve("not-an-id")
    with pytest.raises(UnprocessableEntityError):
        client.webhooks.headers.update(created.id, headers={"X-A": "a\nb"})


def test_a_query_parameter_given_twice_is_a_422(api_key):
    api = Api(DjangoClient(), api_key)
    response = api.get("/webhooks", limit=["1", "2"])
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_REQUEST_PARAMETERS"
    assert api.get("/customers", name=["a", "b"]).status_code == 422


def test_a_nul_in_the_list_cursor_is_a_422(live_server, api_key):
    answer = DjangoClient().get(
        "/api/webhooks", {"iterator": "a\x00b"}, headers={"authorization": f"Bearer {api_key}"}
    )
    assert answer.status_code == 422 and answer.json()["code"] == "INVALID_REQUEST_PARAMETERS"
