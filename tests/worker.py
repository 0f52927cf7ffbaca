"""A real Celery worker for integration tests: a separate process on the machine's Redis.

`real_worker` (a fixture in tests/conftest.py) starts `celery -A config worker` against
the test database and a Redis queue of its own, and points this process's Celery app
at the same queue, so tasks enqueued by the code under test cross a real broker to a
real worker. It needs PostgreSQL (the worker is another process and must see the test
database) and Redis; without either the tests are skipped with the reason.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
READY_TIMEOUT = 60


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _forget_connections() -> None:
    """Drop the app's cached connections, queues and routes, so they are built anew
    from the changed settings."""
    app._pool = None
    app.__dict__.pop("amqp", None)


@contextmanager
def broker(url: str, queue: str):
    """Send this process's tasks to `queue` on a real broker instead of running them."""
    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url  # Celery reads it before its settings
    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    _forget_connections()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.update(saved)
        _forget_connections()


@contextmanager
def worker_process(tmp_path, **env):
    """Start a worker on its own queue; yield (queue, log path); stop it."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs PostgreSQL (set DATABASE_URL to run it)")
    if not redis_available():
        pytest.skip(f"needs Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "TASK_RETRY_BASE_SECONDS": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
    command += ["--pool", "threads", "--concurrency", "4", "--loglevel", "info"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", queue]
    with open(log, "w") as out:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        with broker(REDIS_URL, queue):
            yield queue, log
    except BaseException:
        print(f"--- worker log ({log}) ---\n{log.read_text()[-4000:]}")  # shown on failure
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def wait_for(check, *, timeout: float = 30, what: str = "the worker") -> object:
    """Poll `check()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
