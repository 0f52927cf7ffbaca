"""`manage.py chaos`: break PostgreSQL and Redis under load, check nothing was lost.

Starts its own throw-away PostgreSQL 15 cluster and redis-server on spare loopback
ports (never the machine's shared servers), migrates and seeds a small shop into it,
serves the app with gunicorn, and drives a bounded mixed API load while it

1. crashes and restarts that PostgreSQL (`pg_ctl stop -m immediate`, then start):
   no acknowledged write is lost, nothing is posted twice (every failed write is
   retried with its idempotency key), the app serves again within seconds of the
   database returning, and `verify_ledgers` is clean;
2. stops that Redis: writes still succeed and nothing answers 500 (the rate limits
   fail open: requests are admitted and each failure logged, customers.core.ratelimit).

It prints what it did and what it verified and exits 1 on any violation.
"""

import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError

from customers.bench import chaos
from customers.bench.servers import App, Postgres, Redis, missing_tools, wait_until

BUSINESS = "Chaos Shop"
PROBE = "/api/customers?page_size=1"


class Command(BaseCommand):
    help = (
        "Restart a throw-away PostgreSQL and stop a throw-away Redis under a bounded API "
        "load; verify no acknowledged write is lost or doubled. Exits 1 on any violation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ops", type=int, default=400, help="Operations in all (≤ 5000)")
        parser.add_argument("--threads", type=int, default=4, help="Concurrent clients (≤ 16)")
        parser.add_argument("--down", type=float, default=2.0, help="Seconds PostgreSQL is down")
        parser.add_argument(
            "--max-recovery",
            type=float,
            default=10.0,
            help="Seconds the app may take to serve again once PostgreSQL is back",
        )
        parser.add_argument("--keep", action="store_true", help="Keep the temporary folder")

    def handle(self, *args, ops, threads, down, max_recovery, keep, **options):
        if not 20 <= ops <= 5000 or not 1 <= threads <= 16:
            raise CommandError("--ops must be 20–5000 and --threads 1–16.")
        if missing := missing_tools():
            raise CommandError("missing: " + ", ".join(missing))
        self.violations: list[str] = []
        self.started = time.monotonic()
        root = Path(tempfile.mkdtemp(prefix="hub-chaos-"))
        pg, redis = Postgres(root), Redis(root)
        app = None
        try:
            app = self._servers(root, pg, redis)
            shop = self._seed(app, pg)
            self._load(app, pg, redis, shop, ops, threads, down, max_recovery)
        finally:
            for server in (app, redis, pg):
                if server is not None:
                    server.stop()
            if keep:
                self.say(f"kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)
        self.say(f"done in {time.monotonic() - self.started:.0f} s")
        if self.violations:
            for violation in self.violations:
                self.stdout.write(self.style.ERROR(f"  VIOLATION {violation}"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("No violations."))

    def say(self, text: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:5.1f}s] {text}")

    def verify(self, ok: bool, text: str) -> None:
        self.stdout.write(("  ok   " if ok else "  FAIL ") + text)
        if not ok:
            self.violations.append(text)

    def _servers(self, root: Path, pg: Postgres, redis: Redis) -> App:
        pg.init()
        pg.start()
        pg.create_database("hub")
        self.say(f"PostgreSQL 15 cluster in {pg.data} on 127.0.0.1:{pg.port}")
        redis.start()
        self.say(f"redis-server on 127.0.0.1:{redis.port}")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "customers.bench.chaos_settings",
            "DATABASE_URL": pg.dsn("hub"),
            "REDIS_URL": redis.url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "API_RATE_LIMIT": "100000",  # the load is not what the limits are for
        }
        app = App(root, env)
        migrated = app.manage("migrate", "--noinput")
        if migrated.returncode:
            raise CommandError(f"migrate failed:\n{migrated.stderr[-2000:]}")
        self.say("migrated the schema")
        return app

    def _seed(self, app: App, pg: Postgres) -> dict:
        seeded = app.manage("seed_demo", "--business", BUSINESS, "--customers", "30", "--seed", "7")
        if seeded.returncode:
            raise CommandError(f"seed_demo failed:\n{seeded.stderr[-2000:]}")
        made = app.manage("create_api_key", "--business", BUSINESS, "--name", "chaos")
        if made.returncode:
            raise CommandError(f"create_api_key failed:\n{made.stderr[-2000:]}")
        with psycopg.connect(pg.dsn("hub")) as conn:
            (business_id,) = conn.execute(
                "SELECT id FROM customers_business WHERE name = %s", [BUSINESS]
            ).fetchone()
            customers = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM customers_customer WHERE business_id = %s ORDER BY id LIMIT 12",
                    [business_id],
                )
            ]
            payments = [
                row[0]
                for row in conn.execute(
                    "SELECT p.id FROM customers_payment p WHERE p.business_id = %s "
                    "AND p.status = 'succeeded' AND p.total_amount > 0 "
                    "AND p.created_at > now() - interval '20 days' AND NOT EXISTS "
                    "(SELECT 1 FROM customers_refund r WHERE r.payment_id = p.id) LIMIT 200",
                    [business_id],
                )
            ]
        self.say(f"seeded {BUSINESS}: {len(customers)} customers in the load, "
                 f"{len(payments)} refundable payments, an API key")  # fmt: skip
        app.start()
        self.say(f"gunicorn (2 workers) serving on {app.base_url}, CONN_HEALTH_CHECKS on")
        return {
            "business_id": business_id,
            "customers": customers,
            "payments": payments,
            "key": made.stdout.strip(),
        }

    def _load(self, app, pg, redis, shop, ops, threads, down, max_recovery):
        client = chaos.Client(app.base_url, shop["key"])
        load = chaos.Load(client, threads)
        funding = [
            chaos.Op("credit", f"/api/customers/{c}/wallets/ledger-entries", {
                "amount": chaos.FUNDS, "currency": "USD", "entry_type": "credit",
                "idempotency_key": f"chaos-fund-{c}",
            }, c)
            for c in shop["customers"]
        ]  # fmt: skip
        load.phase = "funding"
        load.run(funding)
        funded = [o for o in load.outcomes if o.phase == "funding"]
        self.verify(all(o.acknowledged for o in funded), f"funded {len(funded)} wallets")
        load.outcomes = []  # the checks below count the load's own writes
        with psycopg.connect(pg.dsn("hub")) as conn:
            opening = dict(
                conn.execute(
                    "SELECT customer_id, balance FROM wallets_wallet "
                    "WHERE business_id = %s AND currency = 'USD'",
                    [shop["business_id"]],
                ).fetchall()
            )
        quarter = ops // 4
        plans = chaos.make_ops(
            ops, shop["customers"], shop["payments"], seed=ops, tag=secrets.token_hex(3)
        )
        load.phase = "steady"
        load.run(plans[:quarter])
        self.say(f"steady load: {quarter} operations, statuses {dict(load.statuses('steady'))}")

        self._restart_postgres(load, pg, client, plans[quarter : 3 * quarter], down, max_recovery)

        redis.stop()
        load.phase = "redis down"
        load.run(plans[3 * quarter :], retry=False)
        statuses = load.statuses("redis down")
        self.say(f"stopped Redis; {ops - 3 * quarter} operations, statuses {dict(statuses)}")
        failed = {s: n for s, n in statuses.items() if s == 0 or s >= 500}
        self.verify(not failed, f"Redis down: no 5xx and no dropped request ({failed or 'none'})")
        writes = [o for o in load.outcomes if o.phase == "redis down" and o.op.kind != "read"]
        self.verify(
            all(o.acknowledged for o in writes),
            f"Redis down: {sum(o.acknowledged for o in writes)}/{len(writes)} writes succeeded",
        )
        log = (app.root / "gunicorn.log").read_text(errors="replace")
        fallbacks = log.lower().count("rate-limit cache unavailable; admitting")
        self.verify(fallbacks > 0, f"rate limits failed open ({fallbacks} requests admitted)")

        figures, violations = chaos.check_database(
            pg.dsn("hub"), load, shop["business_id"], opening
        )
        self.say("database after the load: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        for violation in violations:
            self.verify(False, violation)
        self.verify(
            not violations and figures["acknowledged"] == figures["in the ledger"],
            "every acknowledged ledger post and refund is in the database, none twice, "
            "every wallet balance = opening + its posted entries",
        )
        verified = app.manage("verify_ledgers")
        lines = verified.stdout.strip().splitlines() or ["no output"]
        summary = lines[0] if len(lines) == 1 else f"{lines[0]} {lines[-1]}"
        self.verify(verified.returncode == 0, f"verify_ledgers: {summary}")

    def _restart_postgres(self, load, pg, client, plans, down, max_recovery):
        load.phase = "postgres restart"
        runner = threading.Thread(target=load.run, args=(plans,))
        runner.start()
        time.sleep(1.0)
        pg.crash()
        self.say(f"crashed PostgreSQL (pg_ctl stop -m immediate) under load; down {down:.0f} s")
        time.sleep(down)
        pg.start()
        back = time.monotonic()
        serving = wait_until(lambda: client.send("GET", PROBE)[0] == 200, timeout=60)
        runner.join(timeout=300)
        if serving is None:
            self.verify(False, "the app did not serve again within 60 s of PostgreSQL returning")
        else:
            self.verify(
                serving <= max_recovery,
                f"the app served again {serving:.2f} s after PostgreSQL returned "
                f"(limit {max_recovery:.0f} s)",
            )
        statuses = load.statuses("postgres restart")
        self.say(
            f"restart phase: {len(plans)} operations, statuses {dict(statuses)} "
            f"(retries included); PostgreSQL back after {time.monotonic() - back:.1f} s of load"
        )
        self.verify(not runner.is_alive(), "the load finished after the restart")
        writes = [o for o in load.outcomes if o.phase == load.phase and o.op.kind != "read"]
        hit = [o for o in writes if o.attempts > 1]
        self.verify(
            all(o.acknowledged for o in writes),
            f"restart phase: {sum(o.acknowledged for o in writes)}/{len(writes)} writes "
            f"acknowledged, {len(hit)} of them only after retries with the same key",
        )
