"""config.middleware.RequestGuardMiddleware: a NUL in a path is a 404 on every URL,
and every /api answer is JSON `{code, message}`, whatever the method or the size."""

import json

import pytest
from django.test import Client

from customers.models import Customer
from tests.api.conftest import Api, make_key

pytestmark = pytest.mark.django_db

NUL = "%00"
# Every URL that takes an ID, a token or a slug in its path (24 today; the walk in
# tests/test_hostile_walk.py covers the ones added later).
PATHS = [
    "/portal/{x}/login/",
    "/portal/{x}/login/sent/",
    "/portal/{x}/brand.css",
    "/portal/{x}/logo",
    "/portal/session/{x}/",
    "/portal/billing/{x}/invoice.pdf",
    "/portal/refunds/{x}/receipt.pdf",
    "/portal/subscriptions/{x}/",
    "/portal/subscriptions/{x}/cancel/",
    "/portal/subscriptions/{x}/keep/",
    "/portal/devices/{x}/deactivate/",
    "/portal/profile/email/{x}/",
    "/customers/{x}/",
    "/customers/{x}/edit/",
    "/customers/{x}/invite/",
    "/customers/{x}/wallet/",
    "/customers/report/{x}/",
    "/customers/report/{x}/update/",
    "/customers/report/{x}/delete/",
    "/customers/cus_1/payments/{x}/",
    "/customers/cus_1/payments/{x}/refund/",
    "/customers/cus_1/payments/{x}/invoice.pdf",
    "/customers/cus_1/refunds/{x}/receipt.pdf",
    "/customers/cus_1/subscriptions/{x}/cancel/",
    "/customers/cus_1/license-keys/{x}/status/",
    "/settings/api-keys/{x}/revoke/",
    "/api/customers/{x}",
    "/api/payments/{x}",
    "/api/invoices/payments/{x}",
]


def test_nul_in_a_path_is_404(owner_client):
    answers = {
        (method, path): getattr(owner_client, method)(path.format(x=f"cus_a{NUL}b")).status_code
        for path in PATHS
        for method in ("get", "post")
    }
    assert {key: status for key, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize("path", PATHS[:4])
def test_nul_in_a_portal_path_is_404_without_login(client, path):
    assert client.get(path.format(x=f"bus_a{NUL}")).status_code == 404


def test_nul_in_an_api_path_is_a_json_404(client):
    response = client.get(f"/api/customers/cus_{NUL}")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.fixture
def api(client, business):
    return Api(client, make_key(business))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_paths_answer_json_404_whatever_the_method(method):
    client = Client(enforce_csrf_checks=True)  # as a browser-less client meets it
    response = getattr(client, method)("/api/no-such-thing", "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "No such API endpoint."}


def test_a_method_the_api_does_not_serve_is_a_json_405(api):
    response = api.client.delete("/api/customers", headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response["Allow"]


def test_an_api_body_over_the_limit_is_413(api, settings):
    body = json.dumps({"email": "ada@example.com", "name": "x" * 2_700_000})
    response = api.post("/customers", raw=body)
    assert response.status_code == 413
    assert response.json()["code"] == "REQUEST_TOO_LARGE"
    assert "2,621,440" in response.json()["message"]
    assert not Customer.objects.exists()


def test_a_body_growing_past_the_limit_without_a_length_is_413(api, settings):
    """No Content-Length to refuse it early: reading it stops at the limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"email": "ada@example.com", "name": "x" * 200}).encode()
    response = api.client.generic(
        "POST",
        "/api/customers",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
        CONTENT_LENGTH="",
    )
    assert response.status_code in (413, 422)
    assert set(response.json()) == {"code", "message"}
    assert not Customer.objects.exists()


def test_an_html_error_from_elsewhere_becomes_json_with_its_headers(client, settings):
    """Whatever answers under /api with a non-JSON error (a middleware, a plain view),
    the client still gets `{code, message}` and the headers (Retry-After, …)."""
    settings.ROOT_URLCONF = "tests.config.urls_html_error"
    response = client.get("/api/slow-down")
    assert response.status_code == 429
    assert response.json()["code"] == "TOO_MANY_REQUESTS"
    assert response["Retry-After"] == "7"
