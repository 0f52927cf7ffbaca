"""What `manage.py benchmark` measures: server time of pages, API calls, a ledger post
and the CSV export, each against two floors measured in the same run.

A case is a callable that does one request (or one service call) and returns once
the work is done. After the warm-up, one more call runs under `CaptureQueriesContext`;
its SQL is the case's query count and the basis of both floors:

- the SQL floor replays those statements as raw SQL on the psycopg connection
  (SELECTs only for pages; a rolled-back transaction for the ledger post; the first
  rows of a server-side cursor for the export);
- the view floor does the same replay inside a minimal Django view (`replay` below),
  requested with the case's own test Client: same middleware, same session or key.
  What a case costs above it is our own code: forms, tables, templates, schemas.
"""

import itertools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.http import Http404, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

ALL_REQUESTS_P95_MS = 250.0
FAST_P95_MS = 50.0
OVERVIEW_P95_MS = 100.0  # the overview and the timeline (issue 16)
GROWS = "query count grows with the data"

# The view floor's replayers, by the number in its URL (customers.bench.urls).
VIEW_FLOORS: dict[int, Callable[[], None]] = {}
_numbers = itertools.count()


def replay(request, n: int) -> HttpResponse:
    """The minimal Django view: case n's SQL floor, then a few bytes."""
    replayer = VIEW_FLOORS.get(n)
    if replayer is None:
        raise Http404
    replayer()
    return HttpResponse(b"ok")


@dataclass
class Case:
    name: str
    run: Callable[[], None]
    client: Client  # the view floor is requested with it
    target_ms: float = ALL_REQUESTS_P95_MS
    floor: str = "selects"  # "selects" | "all_rolled_back" | "stream:<rows>"
    capture: Callable[[], None] | None = None  # the call whose SQL is captured, if not run


@dataclass
class Result:
    name: str
    target_ms: float
    samples_ms: list[float] = field(default_factory=list)
    sql_floor_ms: list[float] = field(default_factory=list)
    view_floor_ms: list[float] = field(default_factory=list)
    queries: int = 0
    queries_small: int | None = None  # the same case at a small business
    error: str = ""
    statements: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def sql_floor_p50(self) -> float:
        return percentile(self.sql_floor_ms, 50)

    @property
    def view_floor_p50(self) -> float:
        return percentile(self.view_floor_ms, 50)

    @property
    def ratio(self) -> float:
        """The main ratio: to the minimal Django view doing the same SQL."""
        return self.p50 / self.view_floor_p50 if self.view_floor_p50 else 0.0

    @property
    def sql_ratio(self) -> float:
        return self.p50 / self.sql_floor_p50 if self.sql_floor_p50 else 0.0

    @property
    def grows(self) -> bool:
        return self.queries_small is not None and self.queries > self.queries_small

    @property
    def misses(self) -> list[str]:
        reasons = [f"p95 over {self.target_ms:.0f} ms"] if self.p95 >= self.target_ms else []
        return reasons + ([GROWS] if self.grows else [])

    @property
    def ok(self) -> bool:
        return not self.error and not self.misses

    def as_dict(self) -> dict:
        return {
            "case": self.name,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "sql_floor_p50_ms": round(self.sql_floor_p50, 2),
            "view_floor_p50_ms": round(self.view_floor_p50, 2),
            "ratio": round(self.ratio, 2),  # p50 / view floor p50
            "sql_ratio": round(self.sql_ratio, 2),  # p50 / SQL floor p50
            "queries": self.queries,
            "queries_small": self.queries_small,
            "query_count_grows": self.grows,
            "target_p95_ms": self.target_ms,
            "meets_target": self.ok,
            "misses": self.misses,
            "samples_ms": [round(s, 2) for s in self.samples_ms],
            "sql_floor_samples_ms": [round(s, 2) for s in self.sql_floor_ms],
            "view_floor_samples_ms": [round(s, 2) for s in self.view_floor_ms],
            "error": self.error,
            "sql": self.statements,  # what the captured call ran (the floors replay it)
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1] if pct < 100 else ordered[-1]


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _is_select(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH", "(SELECT")


# How psycopg reports a server-side cursor's query (Django's chunked reads).
_DECLARE = re.compile(r"\s*DECLARE\s.*?\sCURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+", re.I | re.S)


def streamed_query(statements: list[str]) -> str:
    """The query a streamed case reads its rows from: its server-side cursor's (the
    last one declared), else its longest SELECT."""
    declared = [s[m.end() :] for s in statements if (m := _DECLARE.match(s))]
    if declared:
        return declared[-1]
    selects = [s for s in statements if _is_select(s)]
    return max(selects, key=len) if selects else "SELECT 1"


def _replayer(statements: list[str], mode: str) -> Callable[[], None]:
    """The SQL floor: the case's own SQL on the bare psycopg connection (taken anew
    for each call: Django closes a connection older than CONN_MAX_AGE after a
    request, and a case's own requests may do that between two calls)."""

    def raw():
        connection.ensure_connection()
        return connection.connection

    if mode.startswith("stream:"):
        rows = int(mode.split(":", 1)[1])
        big = streamed_query(statements)

        def stream():
            with (bare := raw()).transaction(), bare.cursor(name="bench_floor") as cur:
                cur.itersize = min(rows, 2000)
                cur.execute(big)
                cur.fetchmany(rows)

        return stream
    if mode == "all_rolled_back":
        writes = [
            s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
        ]

        def rolled_back():
            with raw().cursor() as cur:
                cur.execute("BEGIN")
                try:
                    for sql in writes:
                        cur.execute(sql)
                        if cur.description is not None:
                            cur.fetchall()
                finally:
                    cur.execute("ROLLBACK")

        return rolled_back
    selects = [s for s in statements if _is_select(s)]

    def replay_selects():
        with raw().cursor() as cur:
            for sql in selects:
                cur.execute(sql)
                cur.fetchall()

    return replay_selects


def get_ok(client: Client, url: str, **headers) -> Callable[[], None]:
    """One GET that must answer 200 (a case's run, or the view floor)."""

    def run():
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    return run


def capture_sql(case: Case) -> list[str]:
    """The SQL of one call, made after a first one so one-off cache fills don't count."""
    call = case.capture or case.run
    call()
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [q["sql"] for q in ctx.captured_queries]


def measure(case: Case, *, samples: int, warmup: int = 2) -> Result:
    """Warm up, capture the SQL, then sample case, SQL floor and view floor in turn."""
    result = Result(case.name, case.target_ms)
    n = next(_numbers)
    try:
        for _ in range(max(0, warmup - 1)):  # capture_sql makes the last warm-up call
            case.run()
        result.statements = capture_sql(case)
        result.queries = len(result.statements)
        sql_floor = VIEW_FLOORS[n] = _replayer(result.statements, case.floor)
        view_floor = get_ok(case.client, f"/bench-floor/replay/{n}")
        sql_floor()
        view_floor()
        for _ in range(samples):
            result.samples_ms.append(_ms(case.run))
            result.sql_floor_ms.append(_ms(sql_floor))
            result.view_floor_ms.append(_ms(view_floor))
    except Exception as exc:  # noqa: BLE001 - a broken case is reported, not fatal
        result.error = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        VIEW_FLOORS.pop(n, None)
    return result


def table(results: list[Result], *, small: bool) -> list[str]:
    """Fixed-width lines, one per case; "queries small" only when there was a small run."""
    width = max([len(r.name) for r in results] + [4])
    small_head = f"  {'queries small':>13}" if small else ""
    lines = [
        f"{'case':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'sql floor p50':>13}  "
        f"{'view floor p50':>14}  {'ratio':>6}  {'sql ratio':>9}  {'queries':>7}"
        f"{small_head}  target"
    ]
    for r in results:
        if r.error:
            lines.append(f"{r.name:<{width}}  ERROR {r.error}")
            continue
        small_cell = ""
        if small:
            count = "-" if r.queries_small is None else r.queries_small
            small_cell = f"  {count:>13}"
        verdict = "ok" if r.ok else f"MISS ({'; '.join(r.misses)})"
        lines.append(
            f"{r.name:<{width}}  {r.p50:8.1f}  {r.p95:8.1f}  {r.sql_floor_p50:13.1f}  "
            f"{r.view_floor_p50:14.1f}  {r.ratio:5.1f}x  {r.sql_ratio:8.1f}x  {r.queries:7d}"
            f"{small_cell}  < {r.target_ms:.0f} ms {verdict}"
        )
    return lines
