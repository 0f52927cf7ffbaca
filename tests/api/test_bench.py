"""bench_api's floor answers exactly what the API answers, and the command needs
PostgreSQL."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from tests.factories import CustomerFactory


@override_settings(ROOT_URLCONF="customers.bench.urls")
def test_floor_returns_the_same_json_as_the_api(api, business):
    customers = CustomerFactory.create_batch(30, business=business, metadata={"plan": "pro"})
    CustomerFactory(business=business, phone_number="", preferred_locale="ko")
    floor = f"/bench-floor/{business.pk}/customers"
    api_list = api.get("/customers", page_size=25).json()
    assert api_list == api.client.get(floor, {"page_size": 25}).json()
    assert len(api_list["items"]) == 25
    one = customers[3].pk
    assert api.get(f"/customers/{one}").json() == api.client.get(f"{floor}/{one}").json()


def test_the_product_urls_do_not_route_to_the_floor(client, business):
    assert client.get(f"/bench-floor/{business.pk}/customers").status_code == 404


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite refusal")
def test_bench_api_needs_postgresql(db):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_api")
