"""`manage.py loadtest` drives its whole mix through gunicorn with locust and prints a
row per route with its floor; at a tiny size here, so it cannot rot."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from customers.bench.load import Route


def test_loadtest_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("this checks the refusal on other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("loadtest", "--duration", "1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(600)
def test_loadtest_sends_the_mix_and_its_floor(tmp_path):
    out, result = io.StringIO(), tmp_path / "load.json"
    call_command(
        "loadtest",
        *("--customers", "30", "--users", "2", "--duration", "4", "--workers", "1"),
        *("--json", str(result)),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "all (the mix)" in text
    data = json.loads(result.read_text())
    for phase in ("product", "floor"):
        assert data[phase]["total"]["requests"] > 0
        assert data[phase]["total"]["failures"] == 0, data[phase]["failures"]
    # The write in the mix posted through the API; its floor rolled back every replay.
    assert "api ledger post" in text and "floor:" not in text


def test_a_route_plans_its_floor():
    route = Route("list first page", "GET", "/customers/", "owner", 4, statements=["SELECT 1"])
    assert route.plan(3) == {
        "name": "list first page",
        "method": "GET",
        "path": "/customers/",
        "auth": "owner",
        "weight": 4,
        "body": None,
        "writes": False,
        "floor_path": "/bench-floor/load/3",
    }
