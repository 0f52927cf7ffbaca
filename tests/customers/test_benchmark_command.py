"""`manage.py benchmark` measures every case on a tiny PostgreSQL business and writes
the table and the JSON with every one of them; elsewhere it refuses politely."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from customers.filters import CustomerFilter
from customers.management.commands.benchmark import case_names, filter_names


def test_benchmark_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("this checks the refusal on other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark", "--samples", "1")


def test_every_customer_filter_has_a_case():
    covered = set(filter_names()) | {"q", "min_paid_currency"}
    assert covered == set(CustomerFilter.base_filters)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_benchmark_measures_every_case(tmp_path):
    call_command(
        "seed_demo",
        "--business",
        "Tiny",
        "--customers",
        "40",
        "--seed",
        "8",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    out = io.StringIO()
    json_path, plans_path = tmp_path / "bench.json", tmp_path / "plans.txt"
    call_command(
        "benchmark",
        "--business",
        "Tiny",
        "--samples",
        "2",
        "--warmup",
        "1",
        "--json",
        str(json_path),
        "--plans",
        str(plans_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "40 customers" in text
    lines = text.splitlines()
    for name in case_names():
        row = next((line for line in lines if line.startswith(name + " ")), None)
        assert row is not None, name
        assert "ERROR" not in row, row
    results = json.loads(json_path.read_text())["results"]
    assert [r["case"] for r in results] == case_names()
    for r in results:
        assert not r["error"], r
        assert len(r["samples_ms"]) == len(r["floor_samples_ms"]) == 2
        assert r["queries"] > 0 and r["p95_ms"] > 0 and r["floor_p50_ms"] > 0
    plans = plans_path.read_text()
    assert "-- list first page" in plans and "-- search selective" in plans
    assert "Execution Time" in plans
