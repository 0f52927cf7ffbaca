"""gunicorn as production runs it (`-c python:config.gunicorn`), on loopback, against
the test database, for the tests that need several worker processes."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Gunicorn:
    """`gunicorn config.wsgi -c python:config.gunicorn --workers N --bind HOST:PORT`."""

    def __init__(self, tmp_path: Path, *, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = tmp_path / "gunicorn.log"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.workers = workers
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": settings.SECRET_KEY,  # API key digests depend on it
            "API_KEY_HMAC_SECRET": settings.API_KEY_HMAC_SECRET,
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "STATIC_MANIFEST": "0",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": "",
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",  # never another run's keys
            # No worker here: tasks (the sign-in e-mails) run inside the request.
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CELERY_BROKER_URL": "memory://",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            **(env or {}),
        }

    def __enter__(self):
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-c",
                "python:config.gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"{HOST}:{self.port}",
            ],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            if self.log().count("Booting worker") >= self.workers:
                try:
                    with socket.create_connection((HOST, self.port), timeout=0.5):
                        return self
                except OSError:
                    pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start within 60 s:\n{self.log()}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def mails(self) -> int:
        return len(list(self.mail_dir.iterdir()))
