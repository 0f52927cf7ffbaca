"""What `manage.py benchmark` measures: server time of pages, API calls, a ledger post
and the CSV export, each against a floor measured in the same run.

A case is a callable that does one request (or one service call) and returns once
the work is done. The first call runs under `CaptureQueriesContext`; its SQL is the
case's query count and the floor: the same statements replayed as raw SQL on the
psycopg connection (SELECTs only for pages; a rolled-back transaction for the
ledger post; the first rows of a server-side cursor for the export).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

ALL_REQUESTS_P95_MS = 250.0
FAST_P95_MS = 50.0


@dataclass
class Case:
    name: str
    run: Callable[[], None]
    target_ms: float = ALL_REQUESTS_P95_MS
    floor: str = "selects"  # "selects" | "all_rolled_back" | "stream:<rows>"


@dataclass
class Result:
    name: str
    target_ms: float
    samples_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    queries: int = 0
    error: str = ""
    statements: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def floor_p50(self) -> float:
        return percentile(self.floor_ms, 50)

    @property
    def ratio(self) -> float:
        return self.p50 / self.floor_p50 if self.floor_p50 else 0.0

    @property
    def ok(self) -> bool:
        return not self.error and self.p95 < self.target_ms

    def as_dict(self) -> dict:
        return {
            "case": self.name,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "floor_p50_ms": round(self.floor_p50, 2),
            "ratio": round(self.ratio, 2),
            "queries": self.queries,
            "target_p95_ms": self.target_ms,
            "meets_target": self.ok,
            "samples_ms": [round(s, 2) for s in self.samples_ms],
            "floor_samples_ms": [round(s, 2) for s in self.floor_ms],
            "error": self.error,
            "sql": self.statements,  # what the first request ran (the floor replays it)
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] if pct < 100 else ordered[-1]


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _is_select(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH", "(SELECT")


def _replayer(statements: list[str], mode: str) -> Callable[[], None]:
    """The floor: the page's own SQL on the bare psycopg connection."""
    connection.ensure_connection()
    raw = connection.connection
    if mode.startswith("stream:"):
        rows = int(mode.split(":", 1)[1])
        selects = [s for s in statements if _is_select(s)]
        big = max(selects, key=len) if selects else "SELECT 1"

        def stream():
            with raw.transaction(), raw.cursor(name="bench_floor") as cur:
                cur.itersize = min(rows, 2000)
                cur.execute(big)
                cur.fetchmany(rows)

        return stream
    if mode == "all_rolled_back":
        writes = [
            s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
        ]

        def rolled_back():
            with raw.cursor() as cur:
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

    def replay():
        with raw.cursor() as cur:
            for sql in selects:
                cur.execute(sql)
                cur.fetchall()

    return replay


def measure(
    case: Case, *, samples: int, warmup: int = 2, capture: Callable | None = None
) -> Result:
    """Warm up (the first call captures the SQL), then alternate case and floor samples."""
    result = Result(case.name, case.target_ms)
    try:
        with CaptureQueriesContext(connection) as ctx:
            (capture or case.run)()
        statements = [q["sql"] for q in ctx.captured_queries]
        result.queries = len(statements)
        result.statements = statements
        for _ in range(max(0, warmup - 1)):
            case.run()
        floor = _replayer(statements, case.floor)
        floor()
        for _ in range(samples):
            result.samples_ms.append(_ms(case.run))
            result.floor_ms.append(_ms(floor))
    except Exception as exc:  # noqa: BLE001 - a broken case is reported, not fatal
        result.error = f"{type(exc).__name__}: {exc}"[:300]
    return result


def table(results: list[Result]) -> list[str]:
    """Fixed-width lines: case, p50, p95, floor p50, ratio, query count, verdict."""
    width = max([len(r.name) for r in results] + [4])
    lines = [
        f"{'case':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'floor p50':>9}  {'ratio':>6}  "
        f"{'queries':>7}  target"
    ]
    for r in results:
        if r.error:
            lines.append(f"{r.name:<{width}}  ERROR {r.error}")
            continue
        verdict = "ok" if r.ok else "MISS"
        lines.append(
            f"{r.name:<{width}}  {r.p50:8.1f}  {r.p95:8.1f}  {r.floor_p50:9.1f}  "
            f"{r.ratio:5.1f}x  {r.queries:7d}  < {r.target_ms:.0f} ms {verdict}"
        )
    return lines
