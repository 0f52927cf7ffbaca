"""Schemathesis against our OpenAPI schema, in-process (WSGI), with a fixed seed.

Every operation gets generated valid and invalid requests, once with the random
path IDs Schemathesis makes up and once with IDs of real objects, so the
services run on generated input too. Every default check runs: no 5xx, responses
match the schema (status, content type, body), schema-invalid input is refused
with a 4xx, and schema-valid input is accepted — the schema states every rule of
shape the server enforces (formats, patterns, enums, bounds, nullability).

What a schema cannot state is the state of the data: a limit below the current
activations, a debit above the balance, a refund above what is left. A
schema-valid request may be refused only for one of those, with its contract code
(STATE_RULES); a generic INVALID_REQUEST_* refusal of schema-valid input fails.

Generated text holds no NUL (U+0000): the server refuses it in every text field
(PostgreSQL cannot store it), which JSON Schema has no keyword for; the hostile
walk (tests/test_hostile_walk.py) sends NUL everywhere instead.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from customers.audit import Actor
from customers.emails.services import email_queue
from customers.models import EmailLog, SavedPaymentMethod
from customers.webhooks.services import webhook_endpoint_create
from tests.factories import RefundFactory
from tests.wallets.credits.helpers import entitlement, grant

EXAMPLES = 12  # per operation, mode and ID set: about a minute for the whole schema
# Refusals that depend on the data, not on the request's shape (api-contract.md §3).
STATE_RULES = {
    "ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT",  # the key has more activations
    "LICENSE_KEY_LIMIT_REACHED",  # no activation left
    "INACTIVE_LICENSE_KEY",  # disabled or expired
    "LICENSE_KEY_INSTANCE_NOT_FOUND",  # the instance is another key's
    "NO_EXPIRY_ON_SUBSCRIPTION_LICENSE_KEYS",  # the key follows its subscription
    "INSUFFICIENT_WALLET_FUNDS",  # a debit above the balance
    "WALLET_BALANCE_LIMIT",  # a credit past 2**63 - 1 with what is there
    "MAXIMUM_KEYS_REACHED",  # webhook headers: the endpoint has 20 already
    "IDEMPOTENCY_KEY_REUSED",  # the key was used for another request
    "PAYMENT_NOT_SUCCEEDED",
    "REFUND_WINDOW_EXPIRED",
    "REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT",
    "NOTHING_TO_REFUND",
    "DUPLICATE_LINE_ITEMS_IN_REQUEST",  # an item twice (uniqueItems cannot see one key)
    "INSUFFICIENT_CREDITS",  # a credit debit above the balance and allowed overage
    "CREDIT_AMOUNT_PRECISION",  # more decimals than this entitlement's precision
    "CREDIT_ENTITLEMENT_DELETED",  # credits of a deleted entitlement do not move
    "CREDIT_EXPIRY_IN_THE_PAST",  # expires_at before now (the schema cannot say "future")
    # Two fields that go together (price needs currency; timeframe count with interval),
    # after a PATCH with what is stored: the entitlement's state, not one request's shape.
    "CREDIT_ENTITLEMENT_INCONSISTENT",
    "INVALID_NEXT_BILLING_DATE",  # in the past by the server's clock
    "INVALID_PLAN",  # the product is not recurring, archived, or in another currency
}


def _load_schema():
    from config.api import api
    from config.wsgi import application

    config = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    loaded.app = application
    return loaded


def accepted_unless_a_state_rule(ctx, response, case):
    """positive_data_acceptance, except for a refusal named by a STATE_RULES code."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code in (400, 422):
            body = response.json()
            if isinstance(body, dict) and body.get("code") in STATE_RULES:
                return None
        raise


schema = _load_schema()
RULES = schemathesis.check(accepted_unless_a_state_rule)


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
    credits = entitlement(customer.business, precision=1)
    grant(credits, customer, 50)
    email = email_queue(
        business=customer.business,
        customer_id=customer.pk,
        to=customer.email,
        subject="Receipt",
        body="Thanks",
        category="payments",
        email_type="payment_succeeded",
    )
    EmailLog.objects.filter(pk=email.pk).update(status=EmailLog.Status.SENT)
    return {
        "email_log_id": email.pk,
        "credit_entitlement_id": credits.pk,
        "customer_id": customer.pk,
        "payment_id": billing["payment"].pk,
        "refund_id": refund.pk,
        "subscription_id": billing["subscription"].pk,
        "license_key": billing["license_key"].pk,
        "license_key_instance": billing["instance"].pk,
        "webhook_id": endpoint.pk,
        "payment_method_id": SavedPaymentMethod.objects.create(
            business=customer.business,
            customer=customer,
            kind="card",
            gateway_token="bgw..tok_schema",
            card_network="visa",
            card_last_four="4242",
            expiry_month=12,
            expiry_year=2031,
        ).pk,
    }


def _real(case, ids) -> dict:
    path = case.operation.path
    params = {}
    for name in case.path_parameters or {}:
        if name == "id" and path.startswith("/credit-entitlements"):
            params[name] = ids["credit_entitlement_id"]
        elif name == "id":
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
    checks = {"excluded_checks": [positive_data_acceptance], "additional_checks": [RULES]}
    case.call_and_validate(headers=headers, **checks)
    if case.path_parameters:
        case.path_parameters = _real(case, real_ids)
        case.call_and_validate(headers=headers, **checks)
