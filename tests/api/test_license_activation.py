"""The key-less license activation tells a key holder no more about the customer than
the contract requires (api-contract.md §11, the client's CustomerLimitedDetails)."""

from dodopayments import DodoPayments


def test_activation_returns_only_the_required_customer_fields(live_server, billing, customer):
    customer.phone_number = "+14155550100"
    customer.metadata = {"crm_id": "secret-crm-42"}
    customer.save()
    anyone = DodoPayments(
        bearer_token="not-a-key",
        base_url=live_server.url + "/api",
        max_retries=0,
        _strict_response_validation=True,  # still matches the client's types
    )
    activation = anyone.licenses.activate(license_key=billing["license_key"].key, name="Desktop")
    shown = activation.customer
    assert shown.customer_id == customer.pk
    assert (shown.email, shown.name) == (customer.email, customer.name)  # required: str
    assert shown.phone_number is None and shown.metadata is None
