"""Reads from a real PostgreSQL streaming replica (customers.core.replicas).

The test starts its own pair of PostgreSQL clusters on free ports — a primary and a
standby fed by streaming replication from `pg_basebackup` — so the machine's own
server is never reconfigured. gunicorn runs against them as production would with
`DATABASE_REPLICA_URL` set. Replay on the standby is paused to make the copy
visibly behind, then the standby is stopped: the table must read from the replica
only when it may, and fall back to the primary rather than fail.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.server import HOST, Gunicorn, free_port

PG_ROOT = Path("/usr/lib/postgresql")
VERSIONS = sorted(PG_ROOT.glob("*/bin/pg_basebackup")) if PG_ROOT.exists() else []
pytestmark = [
    pytest.mark.skipif(not VERSIONS, reason="needs PostgreSQL's server binaries"),
    # Its own clusters, whatever the suite runs on: once (the PostgreSQL run) is enough.
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""), reason="runs in the PostgreSQL run"
    ),
]
BIN = VERSIONS[-1].parent if VERSIONS else None
PASSWORD = "replica-test-password-2026"


def _run(*command, **kwargs):
    """A PostgreSQL tool, as the `postgres` user when we are root (it refuses root)."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


class Cluster:
    def __init__(self, root: Path, name: str):
        self.data = root / name
        self.port = free_port()
        self.log = root / f"{name}.log"
        self.socket_dir = root

    def conf(self, text: str) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(text)

    def start(self) -> None:
        _run(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        _run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def sql(self, statement: str, db: str = "postgres") -> str:
        return _run(
            str(BIN / "psql"),
            *("-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", db, "-Atc", statement),
        ).stdout.strip()

    def url(self, db: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{db}"


@pytest.fixture(scope="module")
def clusters():
    root = Path(tempfile.mkdtemp(prefix="hub-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary, standby = Cluster(root, "primary"), Cluster(root, "standby")
    started = []
    try:
        _run(str(BIN / "initdb"), "-D", str(primary.data), "-A", "trust", "-U", "postgres",
             "--no-sync")  # fmt: skip
        primary.conf(
            f"\nlisten_addresses = '{HOST}'\nport = {primary.port}\n"
            f"unix_socket_directories = '{root}'\nwal_level = replica\nmax_wal_senders = 4\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host replication all {HOST}/32 trust\n")
        primary.start()
        started.append(primary)
        primary.sql("CREATE DATABASE hub")
        _run(str(BIN / "pg_basebackup"), "-h", HOST, "-p", str(primary.port), "-U", "postgres",
             "-D", str(standby.data), "-R", "-X", "stream")  # fmt: skip
        standby.conf(f"\nport = {standby.port}\nhot_standby = on\n")
        standby.start()
        started.append(standby)
        yield primary, standby
    finally:
        for cluster in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _manage(primary: Cluster, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",
        "DATABASE_URL": primary.url("hub"),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CELERY_BROKER_URL": "memory://",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _customer(primary: Cluster, name: str) -> str:
    return _manage(
        primary,
        "shell",
        "-c",
        "from customers.models import Business, Customer;"
        f"c = Customer.objects.create(business=Business.objects.get(name='Replica Shop'),"
        f" name='{name}', email='{name.split()[0].lower()}@example.com'); print(c.pk)",
    ).splitlines()[-1]


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        data={
            "username": "owner@replica.test",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": base + "/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:300]
    client.cookies.delete("hub_primary")  # as if the pin had expired
    return client


def _listed(client: httpx.Client, name: str) -> bool:
    """Whether the table has the customer (by its e-mail: the name is in the search box)."""
    response = client.get("/customers/", params={"q": name})
    assert response.status_code == 200
    return f"{name.split()[0].lower()}@example.com" in response.text


def test_reads_come_from_the_replica_only_when_they_may(clusters, tmp_path):
    primary, standby = clusters
    _manage(primary, "migrate", "--noinput")
    _manage(primary, "create_merchant", "--business", "Replica Shop",
            "--email", "owner@replica.test", "--password", PASSWORD)  # fmt: skip
    _customer(primary, "Early Bird")
    for _ in range(100):  # the standby has replayed everything so far
        if standby.sql("SELECT count(*) FROM customers_customer", "hub") == "1":
            break
        time.sleep(0.1)

    env = {
        "DATABASE_URL": primary.url("hub"),
        "DATABASE_REPLICA_URL": standby.url("hub"),
        "DATABASE_REPLICA_MAX_LAG_SECONDS": "3600",
        "DATABASE_REPLICA_CHECK_SECONDS": "0",
        "DB_CONN_MAX_AGE": "60",
    }
    with Gunicorn(tmp_path, workers=1, env=env) as server:
        client = _signed_in(server.base)
        assert _listed(client, "Early Bird")

        # The standby stops replaying: a new customer exists only on the primary.
        standby.sql("SELECT pg_wal_replay_pause()")
        late = _customer(primary, "Late Arrival")
        assert not _listed(client, "Late Arrival")  # the table reads the replica
        details = client.get(f"/customers/{late}/")  # a details page reads the primary
        assert details.status_code == 200 and "Late Arrival" in details.text

        # Right after a write of its own, this browser reads from the primary.
        client.post(
            "/customers/columns/",
            data={"columns": ["name", "email"], "order": "name,email",
                  "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": server.base + "/customers/"},
        )  # fmt: skip
        assert client.cookies.get("hub_primary") == "1"
        assert _listed(client, "Late Arrival")
        client.cookies.delete("hub_primary")
        assert not _listed(client, "Late Arrival")

    # A replica further behind than allowed is not used.
    time.sleep(1.2)
    (tmp_path / "lag").mkdir()
    (tmp_path / "down").mkdir()
    with Gunicorn(
        tmp_path / "lag", workers=1, env={**env, "DATABASE_REPLICA_MAX_LAG_SECONDS": "1"}
    ) as server:
        assert _listed(_signed_in(server.base), "Late Arrival")

    # A replica that goes away — between checks, so in the middle of a page — is
    # left for the primary, and the page is still served.
    standby.sql("SELECT pg_wal_replay_resume()")
    with Gunicorn(
        tmp_path / "down", workers=1, env={**env, "DATABASE_REPLICA_CHECK_SECONDS": "600"}
    ) as server:
        client = _signed_in(server.base)
        assert _listed(client, "Late Arrival")  # replayed again, from the replica
        standby.stop()
        assert _listed(client, "Early Bird")
        export = client.get("/customers/export.csv", params={"columns": "name"})
        assert export.status_code == 200 and "Late Arrival" in export.text
        assert (
            "replica failed during /customers/" in (tmp_path / "down" / "gunicorn.log").read_text()
        )
