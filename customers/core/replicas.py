"""Reads that tolerate a little lag, from a PostgreSQL streaming replica.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and this router.
Only the views marked `@replica_reads` (the customer table, Build Report, its chart
and exports, the overview) read from it, and only while it is healthy:

- every write, every read inside a transaction, and every other view stay on the
  primary (`default`);
- a browser that has just written (any unsafe request) reads from the primary for
  `DATABASE_REPLICA_PIN_SECONDS`, so a page right after an action sees it;
- the replica is asked how far behind it is at most every
  `DATABASE_REPLICA_CHECK_SECONDS`; past `DATABASE_REPLICA_MAX_LAG_SECONDS`, or
  unreachable, it is left alone until the next check;
- a replica that fails in the middle of a page is marked down and the page is
  served again from the primary (these views only read, so running one twice is
  safe), never a 500.

The health state is a per-process cache of a few seconds, not user state: every
process decides on its own, the same way.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "hub_primary"

_reading = contextvars.ContextVar("replica_reading", default=False)
# alias -> (usable, checked_at): a per-process health cache.
_health: dict[str, tuple[bool, float]] = {}

_LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag() -> float:
    """Seconds the replica's replay is behind (0 when it has replayed all it received)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(_LAG_SQL)
        return float(cursor.fetchone()[0])


def mark_down() -> None:
    _health[REPLICA] = (False, time.monotonic())
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def healthy() -> bool:
    """Whether the replica may serve reads now (checked at most every few seconds)."""
    usable, checked_at = _health.get(REPLICA, (False, float("-inf")))
    if time.monotonic() - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return usable
    try:
        lag = replica_lag()
    except DatabaseError as exc:
        log.warning("replica unreachable, reading from the primary: %s", exc)
        mark_down()
        return False
    usable = lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    if not usable:
        log.warning("replica %.1f s behind, reading from the primary", lag)
    _health[REPLICA] = (usable, time.monotonic())
    return usable


def _may_use(request) -> bool:
    return configured() and PIN_COOKIE not in request.COOKIES and healthy()


def _streamed(content: Iterator) -> Iterator:
    """A streaming body's rows are read while it is sent: read them from the replica
    too (a failure there cannot restart a response already under way)."""
    token = _reading.set(True)
    try:
        yield from content
    finally:
        _reading.reset(token)


def replica_reads(view):
    """Serve this read-only view from the replica when it may be used."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not _may_use(request):
            return view(request, *args, **kwargs)
        token = _reading.set(True)
        try:
            response = view(request, *args, **kwargs)
        except DatabaseError as exc:
            if not _failed_on_replica(exc):
                raise
            log.warning("replica failed during %s, served from the primary: %s", request.path, exc)
            mark_down()
        else:
            if getattr(response, "streaming", False):
                response.streaming_content = _streamed(response.streaming_content)
            return response
        finally:
            _reading.reset(token)
        return view(request, *args, **kwargs)

    return wrapper


def _failed_on_replica(exc: DatabaseError) -> bool:
    """Whether the replica's connection is what broke (not a query on the primary)."""
    connection = connections[REPLICA]
    return connection.connection is None or connection.is_usable() is False


class ReplicaRouter:
    """Reads from the replica only inside `replica_reads` and outside transactions."""

    def db_for_read(self, model, **hints):
        if _reading.get() and not connections["default"].in_atomic_block:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, one of them a copy

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PinToPrimaryMiddleware:
    """After a write, this browser reads from the primary for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
