"""Schemathesis against our OpenAPI schema, in-process (WSGI), with a fixed seed.

Every operation gets generated valid and invalid requests, once with the random
path IDs Schemathesis makes up and once with IDs of real objects, so the
services run on generated input too. Checks: no 5xx, responses match the schema
(status, content type, body), invalid input is refused with a 4xx.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from customers.audit import Actor
from customers.webhooks.services import webhook_endpoint_create
from tests.factories import RefundFactory

EXAMPLES = 8  # per operation and per ID set: a minute or two for the whole schema
# Schema-valid but semantically wrong input (an e-mail or phone number that does not
# parse, a refund larger than the payment) is refused with 4xx on purpose.
EXCLUDED = [positive_data_acceptance]


def _load_schema():
    from config.api import api
    from config.wsgi import application

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _in_process(settings):
    """Call the WSGI app the way Django's test client does: any host name, and the
    test's database connection (inside its transaction) stays open between requests."""
    settings.ALLOWED_HOSTS = ["*"]  # the in-process client calls us "localhost"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(customer, billing):
    refund = RefundFactory(payment=billing["payment"])
    endpoint = webhook_endpoint_create(
        business=customer.business, actor=Actor.system("tests"), url="https://hooks.example.com/"
    )
    return {
        "customer_id": customer.pk,
        "payment_id": billing["payment"].pk,
        "refund_id": refund.pk,
        "subscription_id": billing["subscription"].pk,
        "license_key": billing["license_key"].pk,
        "license_key_instance": billing["instance"].pk,
        "webhook_id": endpoint.pk,
    }


def _real(case, ids) -> dict:
    path = case.operation.path
    params = {}
    for name in case.path_parameters or {}:
        if name == "id":
            kind = "license_key_instance" if "instances" in path else "license_key"
            params[name] = ids[kind]
        else:
            params[name] = ids[name]
    return params


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: the same requests every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_key, real_ids):
    headers = {"Authorization": f"Bearer {api_key}"}
    case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
    if case.path_parameters:
        case.path_parameters = _real(case, real_ids)
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
