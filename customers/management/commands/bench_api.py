"""Requests/s of the API against a floor, both served by gunicorn on PostgreSQL.

    GET /api/customers?page_size=25        vs  the same SQL and JSON in a bare view
    GET /api/customers/{id}                vs  the same, one row

The API pays for what the floor skips: the API key lookup (HMAC + one query),
the per-key rate limit, query-parameter validation, response schemas. The target
is at least 50% of the floor's requests/s.

The business ("API Bench" by default) is topped up to --customers customers with
customers.demo.customers data (COPY), and the run uses a fresh API key. gunicorn listens on
127.0.0.1 only and is stopped at the end; every phase sends a fixed number of
requests from a few threads, API and floor alternating in rounds.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.core.bulk import bulk_insert
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import Business, Customer

TARGET = 0.50
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Benchmark GET /api/customers and /api/customers/{id} against a bare-view floor."

    def add_arguments(self, parser):
        parser.add_argument("--business", default="API Bench", help="Business to read from")
        parser.add_argument("--customers", type=int, default=100_000, help="Customers to have")
        parser.add_argument("--requests", type=int, default=2000, help="Requests per phase")
        parser.add_argument("--rounds", type=int, default=2, help="API/floor alternations")
        parser.add_argument("--threads", type=int, default=4, help="Client threads")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args, business, customers, requests, rounds, threads, workers, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_api needs PostgreSQL (set DATABASE_URL).")
        if min(customers, requests, rounds, threads, workers) < 1:
            raise CommandError("Every count must be at least 1.")
        biz, _created = Business.objects.get_or_create(name=business)
        self._seed(biz, customers)
        _key, raw_key = api_key_create(
            business=biz, name="bench_api", read_only=True, actor=Actor.system("bench_api")
        )
        rng = random.Random(1)
        sample = list(
            Customer.objects.for_business(biz)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:1000]
        )
        ids = [rng.choice(sample) for _ in range(requests)]
        port = _free_port()
        server = self._start(port, workers)
        try:
            api_headers = {"Authorization": f"Bearer {raw_key}"}
            phases = {
                "list": (
                    ["/api/customers?page_size=25"] * requests,
                    [f"/bench-floor/{biz.pk}/customers?page_size=25"] * requests,
                ),
                "retrieve": (
                    [f"/api/customers/{i}" for i in ids],
                    [f"/bench-floor/{biz.pk}/customers/{i}" for i in ids],
                ),
            }
            self._check_same_json(port, api_headers, phases)
            self.stdout.write(
                f"bench_api: gunicorn {workers} workers on {HOST}:{port}, {threads} client "
                f"threads, {requests:,} requests × {rounds} rounds per phase, "
                f"{Customer.objects.for_business(biz).count():,} customers in {biz.name}, "
                f"PostgreSQL {connection.cursor().connection.info.server_version}"
            )
            for label, (api_paths, floor_paths) in phases.items():
                self._run(port, threads, api_paths[:200], api_headers)  # warm up
                self._run(port, threads, floor_paths[:200], {})
                totals = {"api": [0, 0.0], "floor": [0, 0.0]}
                for _round in range(rounds):
                    for kind, paths, headers in (
                        ("api", api_paths, api_headers),
                        ("floor", floor_paths, {}),
                    ):
                        count, elapsed = self._run(port, threads, paths, headers)
                        totals[kind][0] += count
                        totals[kind][1] += elapsed
                api_rps, floor_rps = (totals[k][0] / totals[k][1] for k in ("api", "floor"))
                ratio = api_rps / floor_rps
                verdict = self.style.SUCCESS("ok") if ratio >= TARGET else self.style.WARNING("LOW")
                self.stdout.write(
                    f"  {label:<9} API {api_rps:7,.0f} req/s   floor {floor_rps:7,.0f} req/s"
                    f"   ratio {ratio:5.1%}  (target ≥ {TARGET:.0%}: {verdict})"
                )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    def _seed(self, biz: Business, wanted: int) -> None:
        have = Customer.objects.for_business(biz).count()
        if have >= wanted:
            return
        self.stdout.write(f"Adding {wanted - have:,} demo customers to {biz.name}…")
        rows = customer_rows(biz.pk, wanted - have, seed=have + 1, start=have)
        bulk_insert(Customer, CUSTOMER_COLUMNS, rows)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Customer._meta.db_table}")

    def _start(self, port: int, workers: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "customers.bench.settings",
            "SECRET_KEY": settings.SECRET_KEY,  # the API key's HMAC depends on it
            "DEBUG": "0",
            "API_RATE_LIMIT": str(10**9),  # counted as usual, never reached
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn exited; see its output above.")
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    return server
            except OSError:
                time.sleep(0.2)
        server.terminate()
        raise CommandError("gunicorn did not start within 30 s.")

    def _get(self, port: int, path: str, headers: dict) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def _check_same_json(self, port: int, api_headers: dict, phases: dict) -> None:
        """The API and the floor answer the same bytes (as JSON) for the same request."""
        for label, (api_paths, floor_paths) in phases.items():
            api_status, api_body = self._get(port, api_paths[0], api_headers)
            floor_status, floor_body = self._get(port, floor_paths[0], {})
            if (api_status, floor_status) != (200, 200):
                raise CommandError(f"{label}: API {api_status}, floor {floor_status}")
            if json.loads(api_body) != json.loads(floor_body):
                raise CommandError(f"{label}: the API and the floor answer different JSON")

    def _run(self, port: int, threads: int, paths: list[str], headers: dict) -> tuple[int, float]:
        """Send every path once, from `threads` threads; returns (requests, seconds)."""
        chunks = [paths[i::threads] for i in range(threads)]
        failures = []

        def worker(chunk):
            for path in chunk:
                status, _body = self._get(port, path, headers)
                if status != 200:
                    failures.append((path, status))
                    return

        pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise CommandError(f"Request failed: {failures[0]}")
        return len(paths), elapsed
