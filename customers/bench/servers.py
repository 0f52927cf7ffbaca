"""Throw-away servers for `manage.py chaos`: a PostgreSQL 15 cluster, a Redis and the
app under gunicorn, each on a spare loopback port in one temporary folder.

Never the machine's shared servers (5432, 6379): the chaos command stops and
restarts these, and other tests use those.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from django.conf import settings

PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def missing_tools() -> list[str]:
    """What the chaos command needs and this machine lacks."""
    missing = [str(PG_BIN / tool) for tool in ("initdb", "pg_ctl") if not (PG_BIN / tool).exists()]
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (to run PostgreSQL as the postgres user)")
    return missing


def spare_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, step: float = 0.05) -> float | None:
    """Poll `check()` until it is true; the seconds it took, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    return None


class Postgres:
    """A PostgreSQL cluster in `root/pg`, owned by the postgres OS user when we are root
    (PostgreSQL refuses to run as root), listening on 127.0.0.1 only."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "pg"
        self.port = spare_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, tool: str, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=40 -c shared_buffers=16MB"
        )
        log = str(self.root / "postgres.log")
        done = self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip() or done.stdout}")

    def crash(self) -> None:
        """Stop at once, as a crash would (`-m immediate`: no checkpoint, recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=30)

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=1):
                return True
        except psycopg.Error:
            return False

    def dsn(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


class Redis:
    """A redis-server on a spare loopback port, nothing saved to disk."""

    def __init__(self, root: Path):
        self.root = root
        self.port = spare_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.root)]
        log = (self.root / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        if wait_until(self._listening, timeout=10) is None:
            raise RuntimeError("redis-server did not start")

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class App:
    """The app under gunicorn (2 workers) on a spare loopback port."""

    def __init__(self, root: Path, env: dict):
        self.root = root
        self.env = env
        self.port = spare_port()
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`manage.py <args>` against the throw-away servers."""
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
        return subprocess.run(
            command, env=self.env, cwd=settings.BASE_DIR, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "30"]
        log = (self.root / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            command, env=self.env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        if wait_until(self._serving, timeout=60, step=0.2) is None:
            raise RuntimeError(f"gunicorn did not start; see {self.root / 'gunicorn.log'}")

    def _serving(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/accounts/login/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
