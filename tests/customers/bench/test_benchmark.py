"""`manage.py benchmark` measures every case on a tiny PostgreSQL business against both
floors, compares its query counts with a smaller business and writes the table and the
JSON with every one of them; elsewhere it refuses politely."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from customers.bench.cases import case_names, filter_names
from customers.bench.pages import streamed_query
from customers.filters import CustomerFilter


def test_benchmark_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("this checks the refusal on other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark", "--samples", "1")


def test_every_customer_filter_has_a_case():
    covered = set(filter_names()) | {"q", "min_paid_currency"}
    assert covered == set(CustomerFilter.base_filters)


def seed(name: str, customers: int) -> None:
    call_command(
        "seed_demo",
        "--business",
        name,
        "--customers",
        str(customers),
        "--seed",
        "8",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def benchmark(*args: str) -> str:
    out = io.StringIO()
    call_command("benchmark", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_benchmark_measures_every_case(tmp_path):
    seed("Tiny", 40)
    text = benchmark("--business", "Tiny", "--samples", "1", "--warmup", "1")
    assert "small business: none" in text
    assert "queries small" not in text

    seed("Small", 4)
    json_path, plans_path = tmp_path / "bench.json", tmp_path / "plans.txt"
    text = benchmark(
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
    )
    lines = text.splitlines()
    assert lines[0].startswith("machine: ") and "CPUs" in lines[0] and "PostgreSQL" in lines[0]
    assert "40 customers" in lines[1]
    assert lines[2].startswith("small business: Small") and "4 customers" in lines[2]
    header = next(line for line in lines if line.startswith("case "))
    for column in ("sql floor p50", "view floor p50", "ratio", "sql ratio", "queries small"):
        assert column in header
    for name in case_names():
        row = next((line for line in lines if line.startswith(name + " ")), None)
        assert row is not None, name
        assert "ERROR" not in row, row

    payload = json.loads(json_path.read_text())
    assert payload["machine"]["cpus"] >= 1 and payload["machine"]["postgresql"]
    assert payload["small_business"]["name"] == "Small"
    assert payload["small_business"]["customers"] == 4
    results = payload["results"]
    assert [r["case"] for r in results] == case_names()
    for r in results:
        assert not r["error"], r
        assert len(r["samples_ms"]) == 2
        assert len(r["sql_floor_samples_ms"]) == len(r["view_floor_samples_ms"]) == 2
        assert r["queries"] > 0 and r["p95_ms"] > 0
        assert r["sql_floor_p50_ms"] > 0 and r["view_floor_p50_ms"] > 0
        assert r["ratio"] > 0 and r["sql_ratio"] > 0
        assert r["queries_small"] > 0
        grows = r["queries"] > r["queries_small"]
        assert r["query_count_grows"] is grows
        assert ("query count grows with the data" in r["misses"]) is grows
    plans = plans_path.read_text()
    assert "-- list first page" in plans and "-- search selective" in plans
    assert "Execution Time" in plans

    text = benchmark("--business", "Tiny", "--samples", "1", "--warmup", "1", "--case", "overview")
    measured = [name for name in case_names() if f"\n{name} " in text]
    assert measured and all("overview" in name for name in measured)


def test_the_export_floor_streams_the_exports_own_query():
    # psycopg reports a server-side cursor's query as its DECLARE: the floor must read
    # the export's rows, not the longest of the small queries around it.
    statements = [
        'SELECT "customers_membership"."id", "customers_membership"."user_id" FROM x',
        "INSERT INTO customers_event VALUES (1)",
        'DECLARE "_django_curs_1_sync_2" NO SCROLL CURSOR FOR SELECT "name" FROM c',
    ]
    assert streamed_query(statements) == 'SELECT "name" FROM c'
    with_hold = ['DECLARE "c" NO SCROLL CURSOR WITH HOLD FOR SELECT 1', "SELECT 22"]
    assert streamed_query(with_hold) == "SELECT 1"
    assert streamed_query(["SELECT 1", "SELECT 333"]) == "SELECT 333"


def test_p95_is_the_nearest_rank():
    from customers.bench.pages import percentile

    samples = [float(n) for n in range(1, 21)]  # 1..20
    assert percentile(samples, 95) == 19.0  # ceil(0.95 * 20): one outlier in twenty allowed
    assert percentile(samples, 50) == 10.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0
