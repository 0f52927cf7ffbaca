"""`manage.py loadtest` drives its whole mix through gunicorn with locust and prints a
row per route with its floor; at a tiny size here, so it cannot rot."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from customers.bench.gap import in_the_process
from customers.bench.load import Route


def test_loadtest_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("this checks the refusal on other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("loadtest", "--duration", "1")


def _loadtest(tmp_path, *args) -> tuple[str, dict]:
    """loadtest at a tiny size (30 customers, 2 users, 1 worker): its output and JSON."""
    out, result = io.StringIO(), tmp_path / "load.json"
    call_command(
        "loadtest",
        *("--customers", "30", "--users", "2", "--workers", "1", "--json", str(result)),
        *args,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue(), json.loads(result.read_text())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(600)
def test_loadtest_sends_the_mix_and_its_floor(tmp_path):
    text, data = _loadtest(tmp_path, "--duration", "4", "--gap", "3")
    assert "all (the mix)" in text
    # --gap: the first page on the wire (client, connect, app, rest) and each middleware.
    wire = next(line for line in text.splitlines() if line.startswith("list first page "))
    client, connect, app, rest = (float(v) for v in wire.split()[-4:])
    assert 0 < connect < client and 0 < app < client
    assert "CurrentBusinessMiddleware" in text and "view (URL, view, template)" in text
    for phase in ("product", "floor"):
        assert data[phase]["total"]["requests"] > 0
        assert data[phase]["total"]["failures"] == 0, data[phase]["failures"]
    # The write in the mix posted through the API; its floor rolled back every replay.
    assert "api ledger post" in text and "floor:" not in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(600)
def test_a_paced_load_sends_what_was_offered(tmp_path):
    """--rate: two clients paced to 6 requests a second in all send about 6 a second
    (a closed loop on this mix sends many times that), and say so."""
    text, data = _loadtest(tmp_path, "--duration", "5", "--rate", "6")
    assert "paced to 6 req/s in all" in text
    assert data["rate"] == 6 and data["users"] == 2
    for phase in ("product", "floor"):
        total = data[phase]["total"]
        assert total["failures"] == 0, data[phase]["failures"]
        assert 3 <= total["rps"] <= 8, total
        assert f"{phase}: {total['rps']:.1f} of the 6 req/s offered" in text


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("rate", ["-1", "nan", "inf"])
def test_a_negative_or_endless_rate_is_refused(rate):
    with pytest.raises(CommandError, match="--rate: 0 or more, finite"):
        call_command("loadtest", "--rate", rate, "--duration", "1")


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


def test_the_gap_probes_time_each_middleware_and_the_view(owner_client):
    parts = in_the_process(owner_client, "/customers/", samples=3)
    assert [label for label, _ms in parts][:2] == ["SecurityMiddleware", "RequestGuardMiddleware"]
    assert len(parts) == len(settings.MIDDLEWARE) + 1 and parts[-1][0].startswith("view")
    assert all(ms >= 0 for _label, ms in parts)
    # The view renders the page: it takes longer than any one middleware.
    assert parts[-1][1] == max(ms for _label, ms in parts)
