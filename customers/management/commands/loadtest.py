"""A mixed load through gunicorn as production runs it, from a real load generator.

    python manage.py loadtest [--business NAME] [--customers N] [--users 16]
                              [--duration 60] [--workers 2] [--rate R] [--json PATH]
                              [--gap N]

gunicorn serves the app with `DEBUG=0` and collected static files on 127.0.0.1;
locust (headless, `--users` simulated clients) sends the mix below for `--duration`
seconds, then the same mix to its floor. By default the clients run in a closed
loop with no think time: the server's capacity, where every request also waits for
the others in the queue. `--rate R` paces them to R requests a second in all, at
random (Poisson) times, as independent people arrive: the latency at that offered
load, below capacity, as a merchant's team and customers would meet it. The floor
is, for every route, a minimal Django view behind the same middleware and
credentials that runs the SQL the route ran (customers.bench.load). The table gives,
per route, throughput, p50/p95/p99 as the client saw them, errors, and the
throughput ratio of the product to its floor (paced, both send what was offered: a
phase that could not is named as saturated). Targets (issue "render as fast as the database
answers"): the first page and a selective search p95 < 50 ms, every other route
p95 < 150 ms. `--gap N` first times N requests of a few routes one at a time, on the
wire and in the process, to show where the client's time goes (customers.bench.gap).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.accounts.api_keys import api_key_create
from customers.bench import gap as gaps
from customers.bench.cases import (
    ACTOR,
    DETAIL_TABS,
    FILTER_VALUES,
    active_customer,
    owner_client,
    portal_client,
    selective_term,
)
from customers.bench.load import FLOORS_ENV, Route, read_failures, read_stats
from customers.bench.servers import spare_port, wait_until
from customers.models import Business, Customer

HOST = "127.0.0.1"
FAST_P95_MS = 50.0
OTHER_P95_MS = 150.0
FAST_ROUTES = ("list first page", "search selective")
GAP_ROUTES = (*FAST_ROUTES, "details", "portal home", "api list")


def _database_url() -> str:
    """This process's database, for the server (the test database under pytest)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _auth_headers(plan: dict) -> dict[str, dict[str, str]]:
    """The first simulated user's credentials, per kind of route."""
    return {
        "owner": {"Cookie": plan["owner_sessions"][0]},
        "portal": {"Cookie": plan["portal_sessions"][0]},
        "api": {"Authorization": f"Bearer {plan['api_key']}"},
    }


def _cookie_header(client: Client) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


class Command(BaseCommand):
    help = "Drive a mixed load through gunicorn with locust and compare it with its floor."

    def add_arguments(self, parser):
        parser.add_argument("--business", default="Load Shop", help="Business to load")
        parser.add_argument("--customers", type=int, default=1000, help="Seed up to this many")
        parser.add_argument("--users", type=int, default=16, help="Concurrent clients")
        parser.add_argument("--duration", type=int, default=60, help="Seconds per phase")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--json", help="Also write the results to this file")
        parser.add_argument(
            "--rate", type=float, default=0.0, metavar="R",
            help="Pace the clients to R requests/s in all (default: a closed loop, no pacing)",
        )  # fmt: skip
        parser.add_argument(
            "--gap", type=int, default=0, metavar="N",
            help="First time N requests of a few routes one at a time: client, gunicorn, "
            "each middleware and the view (default: skip)",
        )  # fmt: skip

    def handle(self, *args, business, customers, users, duration, workers, gap, rate, **options):
        if connection.vendor != "postgresql":
            raise CommandError("loadtest needs PostgreSQL (set DATABASE_URL).")
        if min(customers, users, duration, workers) < 1 or gap < 0 or not 0 <= rate < 1e6:
            raise CommandError(
                "Every count must be at least 1 (--gap: 0 or more; --rate: 0 or more, finite)."
            )
        biz = Business.objects.filter(name=business).first()
        if biz is None or not Customer.objects.for_business(biz).exists():
            call_command("seed_demo", business=business, customers=customers, seed=1, verbosity=0)
            biz = Business.objects.get(name=business)
        work = Path(tempfile.mkdtemp(prefix="loadtest-"))
        routes = self._routes(biz)
        # The captures run in this process through the test client, as in production.
        with override_settings(
            ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, DEBUG=False,
            API_RATE_LIMIT=10**9,
        ):  # fmt: skip
            plan = self._plan(biz, routes, users)
        plan["per_user_rate"] = rate / users if rate else None
        (work / "floors.json").write_text(
            json.dumps([{"statements": r.statements, "writes": r.writes} for r in routes])
        )
        call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        port = spare_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "customers.bench.settings",
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions and the API key depend on it
            "DEBUG": "0",
            "STATIC_MANIFEST": "1",
            "DATABASE_URL": _database_url(),
            "API_RATE_LIMIT": str(10**9),  # counted as usual, never reached
            FLOORS_ENV: str(work / "floors.json"),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c",
             "python:config.gunicorn", "--bind", f"{HOST}:{port}", "--workers", str(workers),
             "--log-level", "warning", "--access-logfile", "/dev/null"],
            env=env, cwd=settings.BASE_DIR,
        )  # fmt: skip
        try:
            self._wait(server, port)
            self.stdout.write(
                f"loadtest: gunicorn {workers} workers (DEBUG=0) on {HOST}:{port}, locust "
                f"{users} users × {duration} s per phase, "
                f"{f'paced to {rate:g} req/s in all' if rate else 'closed loop'}, "
                f"{Customer.objects.for_business(biz).count():,} customers in {biz.name}, "
                f"PostgreSQL {connection.cursor().connection.info.server_version}"
            )
            self._warm(port, plan, workers)
            if gap:
                self._gap(port, plan, routes, gap)
            results = {}
            for phase in ("product", "floor"):
                plan["floor"] = phase == "floor"
                (work / "plan.json").write_text(json.dumps(plan))
                results[phase] = self._locust(work, phase, port, users, duration)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        ok = self._report(routes, results, rate)
        if options.get("json"):
            payload = {"users": users, "rate": rate or None, **self._as_json(results)}
            Path(options["json"]).write_text(json.dumps(payload, indent=2))
        if not ok:
            self.stdout.write(self.style.WARNING("Some routes missed their target (above)."))

    def _routes(self, biz: Business) -> list[Route]:
        customer = active_customer(biz)
        today = timezone.now().date()
        detail = f"/customers/{customer.pk}/"
        has_phone = urlencode(FILTER_VALUES["has_phone"](today, biz))
        routes = [
            Route("list first page", "GET", "/customers/", "owner", 4),
            Route(
                "search selective",
                "GET",
                f"/customers/?{urlencode({'q': selective_term(biz)})}",
                "owner",
                2,
            ),
            Route("search common (com)", "GET", "/customers/?q=com", "owner", 1),
            Route("filter has_phone", "GET", f"/customers/?{has_phone}", "owner", 1),
            Route("details", "GET", detail, "owner", 1),
            *[Route(f"details tab={t}", "GET", f"{detail}?tab={t}", "owner", 1)
              for t in DETAIL_TABS],
            Route("portal home", "GET", "/portal/", "portal", 1),
            Route("portal billing", "GET", "/portal/billing/", "portal", 1),
            Route("api list", "GET", "/api/customers?page_size=25", "api", 2),
            Route("api retrieve", "GET", f"/api/customers/{customer.pk}", "api", 2),
            Route(
                "api ledger post",
                "POST",
                f"/api/customers/{customer.pk}/wallets/ledger-entries",
                "api",
                1,
                body={
                    "amount": 1,
                    "currency": settings.WALLET_CURRENCIES[0],
                    "entry_type": "credit",
                    "idempotency_key": "{key}",
                    "reason": "loadtest",
                },
                writes=True,
            ),
        ]  # fmt: skip
        return routes

    def _plan(self, biz: Business, routes: list[Route], users: int) -> dict:
        """Sessions and a key, and each route's SQL captured from one request."""
        owners = [owner_client(biz) for _ in range(users)]
        customer = active_customer(biz)
        portals = [portal_client(customer) for _ in range(users)]
        _key, raw_key = api_key_create(business=biz, name="loadtest", read_only=False, actor=ACTOR)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        clients = {"owner": owners[0], "portal": portals[0], "api": api}
        self._clients = clients  # for --gap
        for n, route in enumerate(routes):
            client = clients[route.auth]
            for attempt in range(2):  # the first fills one-off caches
                body = route.body and json.loads(
                    json.dumps(route.body).replace("{key}", f"capture-{n}-{attempt}-{time.time()}")
                )
                # A write is captured inside a transaction rolled back at once: the floor
                # replays its INSERTs, which must not exist yet.
                with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
                    if route.method == "POST":
                        response = client.post(route.path, body, content_type="application/json")
                    else:
                        response = client.get(route.path)
                    transaction.set_rollback(True)
                if response.status_code != 200:
                    raise CommandError(
                        f"{route.name}: {route.path} answered {response.status_code}"
                    )
            route.statements = [q["sql"] for q in ctx.captured_queries]
        return {
            "routes": [route.plan(n) for n, route in enumerate(routes)],
            "owner_sessions": [_cookie_header(c) for c in owners],
            "portal_sessions": [_cookie_header(c) for c in portals],
            "api_key": raw_key,
            "floor": False,
        }

    def _wait(self, server: subprocess.Popen, port: int) -> None:
        def serving() -> bool:
            if server.poll() is not None:
                raise CommandError("gunicorn exited; see its output above.")
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    return True
            except OSError:
                return False

        if wait_until(serving, timeout=60, step=0.2) is None:
            raise CommandError("gunicorn did not start within 60 s.")

    def _warm(self, port: int, plan: dict, workers: int) -> None:
        """Each route and its floor a few times per worker (templates, connections),
        and a check that each answers 200 before anything is measured."""
        headers = _auth_headers(plan)
        for n, route in enumerate(plan["routes"]):
            for path in (route["path"], route["floor_path"]) * (2 * workers):
                body = None
                if route["method"] == "POST":
                    key = f"warm-{n}-{time.time_ns()}"
                    body = json.dumps(route["body"]).replace("{key}", key)
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                try:
                    conn.request(
                        route["method"],
                        path,
                        body=body,
                        headers={**headers[route["auth"]], "Content-Type": "application/json"},
                    )
                    status = conn.getresponse().status
                finally:
                    conn.close()
                if status != 200:
                    raise CommandError(f"{route['name']}: {path} answered {status}")

    def _gap(self, port: int, plan: dict, routes: list[Route], samples: int) -> None:
        """Where the time goes, one request at a time (customers.bench.gap)."""
        headers = _auth_headers(plan)
        shown = [route for route in routes if route.name in GAP_ROUTES]
        self.stdout.write(
            f"\nOne client, one request at a time, p50 of {samples} (ms). On the wire: new "
            "connection per request; app = the Server-Timing header from the outermost "
            "middleware; rest = gunicorn, WSGI and the loopback."
        )
        self.stdout.write(f"{'route':<20} {'client':>8} {'connect':>8} {'app':>8} {'rest':>8}")
        for route in shown:
            wire = gaps.on_the_wire(
                HOST, port, route.name, route.path, headers[route.auth], samples
            )
            name, total, connect, app, rest = wire.row()
            self.stdout.write(f"{name:<20} {total:8.2f} {connect:8.2f} {app:8.2f} {rest:8.2f}")
        self.stdout.write("\nIn the process (test client, DEBUG=0): each middleware's own time")
        with override_settings(
            ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, DEBUG=False,
            API_RATE_LIMIT=10**9,
        ):  # fmt: skip
            columns = {
                route.name: gaps.in_the_process(self._clients[route.auth], route.path, samples)
                for route in shown
            }
        names = [label for label, _ms in next(iter(columns.values()))]
        self.stdout.write(f"{'':<28}" + "".join(f"{name[:16]:>17}" for name in columns))
        for n, label in enumerate(names):
            cells = "".join(f"{parts[n][1]:17.3f}" for parts in columns.values())
            self.stdout.write(f"{label[:28]:<28}{cells}")
        self.stdout.write("")

    def _locust(self, work: Path, phase: str, port: int, users: int, duration: int) -> dict:
        prefix = str(work / phase)
        locustfile = Path(__file__).resolve().parents[2] / "bench" / "locustfile.py"
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
             "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{duration}s",
             "--host", f"http://{HOST}:{port}", "--csv", prefix, "--only-summary",
             "--loglevel", "ERROR", "--stop-timeout", "10"],
            env={**os.environ, "LOADTEST_PLAN": str(work / "plan.json")},
            capture_output=True, text=True, timeout=duration + 120,
        )  # fmt: skip
        if not Path(f"{prefix}_stats.csv").exists():
            raise CommandError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
        routes, total = read_stats(prefix)
        return {"routes": routes, "total": total, "failures": read_failures(prefix)}

    def _report(self, routes: list[Route], results: dict, rate: float = 0.0) -> bool:
        product = {r.name: r for r in results["product"]["routes"]}
        floor = {r.name: r for r in results["floor"]["routes"]}
        width = max(len(r.name) for r in routes)
        self.stdout.write(
            f"{'route':<{width}}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  "
            f"{'errors':>6}  {'floor req/s':>11}  {'floor p95':>9}  {'ratio':>6}  target"
        )
        ok = True
        for route in routes:
            p, f = product.get(route.name), floor.get(route.name)
            if p is None:
                self.stdout.write(f"{route.name:<{width}}  (no requests)")
                continue
            target = FAST_P95_MS if route.name in FAST_ROUTES else OTHER_P95_MS
            hit = p.p95 < target and not p.failures
            ok = ok and hit
            ratio = p.rps / f.rps if f and f.rps else 0.0
            self.stdout.write(
                f"{route.name:<{width}}  {p.rps:7.1f}  {p.p50:7.0f}  {p.p95:7.0f}  {p.p99:7.0f}  "
                f"{p.failures:6d}  {f.rps if f else 0:11.1f}  {f.p95 if f else 0:9.0f}  "
                f"{ratio:5.0%}  p95 < {target:.0f} ms {'ok' if hit else 'MISS'}"
            )
        pt, ft = results["product"]["total"], results["floor"]["total"]
        if pt and ft:
            self.stdout.write(
                f"{'all (the mix)':<{width}}  {pt.rps:7.1f}  {pt.p50:7.0f}  {pt.p95:7.0f}  "
                f"{pt.p99:7.0f}  {pt.failures:6d}  {ft.rps:11.1f}  {ft.p95:9.0f}  "
                f"{pt.rps / ft.rps if ft.rps else 0:5.0%}"
            )
        if rate and pt and ft:
            # Paced, each phase should send what was offered; one that could not keep
            # up was saturated, and its latencies are those of a queue.
            for phase, total in (("product", pt), ("floor", ft)):
                kept_up = total.rps >= 0.95 * rate
                line = f"{phase}: {total.rps:.1f} of the {rate:g} req/s offered" + (
                    "" if kept_up else " — saturated: its latencies include the queue"
                )
                self.stdout.write(line if kept_up else self.style.WARNING(line))
                ok = ok and (kept_up or phase == "floor")
        for phase in ("product", "floor"):
            for line in results[phase]["failures"][:10]:
                self.stdout.write(self.style.ERROR(f"{phase}: {line}"))
        return ok

    def _as_json(self, results: dict) -> dict:
        return {
            phase: {
                "routes": [vars(r) for r in data["routes"]],
                "total": vars(data["total"]) if data["total"] else None,
                "failures": data["failures"],
            }
            for phase, data in results.items()
        }
