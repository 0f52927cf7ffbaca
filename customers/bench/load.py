"""`manage.py loadtest`: the mix of requests, their floor, and the table of results.

A route is one kind of request in the mix (the customer table, a search, a filter,
the details tabs, portal pages, the API's list and retrieve, a ledger post), with a
weight and the credentials it is sent with. Its floor is the minimal Django view
(`load_floor`) that runs the same SQL the route ran when the command captured it,
behind the same middleware and the same credentials: what the mix costs above the
floor is our own code (forms, tables, templates, schemas) under concurrency.
"""

import csv
import json
import os
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from django.db import connection
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from customers.bench.pages import _is_select

FLOORS_ENV = "LOADTEST_FLOORS"  # the JSON file of each route's SQL, for load_floor
# Transaction control in a capture: the floor runs its writes in one transaction of
# its own and rolls it back, so it never commits what it replays.
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Route:
    name: str
    method: str
    path: str
    auth: str  # "owner" (dashboard session), "portal" (portal session) or "api" (key)
    weight: int
    body: dict | None = None  # JSON for a POST; "{key}" in it becomes a unique key
    statements: list[str] = field(default_factory=list)  # what one request ran
    writes: bool = False  # its floor replays every statement, rolled back

    def plan(self, n: int) -> dict:
        """What the locustfile needs of it, with its floor's path."""
        data = asdict(self)
        data.pop("statements")
        data["floor_path"] = f"/bench-floor/load/{n}"
        return data


@cache
def _floors() -> list[dict]:
    path = os.environ.get(FLOORS_ENV)
    return json.loads(Path(path).read_text()) if path else []


@csrf_exempt
def load_floor(request, n: int) -> HttpResponse:
    """The minimal view: route n's SQL on the bare connection, then a few bytes."""
    floors = _floors()
    if n >= len(floors):
        raise Http404
    statements, writes = floors[n]["statements"], floors[n]["writes"]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        if writes:
            cursor.execute("BEGIN")
        try:
            for sql in statements if writes else [s for s in statements if _is_select(s)]:
                if sql.lstrip().upper().startswith(_CONTROL):
                    continue
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        finally:
            if writes:
                cursor.execute("ROLLBACK")
    return HttpResponse(b"ok")


@dataclass
class RouteStats:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


def read_stats(csv_prefix: str) -> tuple[list[RouteStats], RouteStats | None]:
    """Locust's `<prefix>_stats.csv`: one row per route name, then "Aggregated"."""
    routes, total = [], None
    with open(f"{csv_prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats = RouteStats(
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]),
                p50=float(row["50%"] or 0),
                p95=float(row["95%"] or 0),
                p99=float(row["99%"] or 0),
            )
            if row["Name"] == "Aggregated":
                total = stats
            else:
                routes.append(stats)
    return routes, total


def read_failures(csv_prefix: str) -> list[str]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            f"{row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}"
            for row in csv.DictReader(handle)
        ]
