"""Fast bulk inserts for demo and benchmark data: COPY on PostgreSQL,
batched INSERTs elsewhere. Rows are tuples in the order of `columns`. And `sampled`:
which of the customers a seed just added get a history (wallets, credits). And
`indexes_deferred`: a large load's secondary indexes built once, after it."""

import datetime as dt
import json
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from django.db import connection
from django.db.models import QuerySet

BATCH = 5_000


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_insert(model, columns: list[str], rows: Iterable[tuple], *, progress=None) -> int:
    """Insert rows into `model`'s table; JSON-able values (dict/list) are encoded.

    `progress(n)` is called after each batch with the number of rows written so far.
    """
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0

    def encode(value):
        return json.dumps(value) if isinstance(value, dict | list) else value

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            for batch in _batches(rows, BATCH * 4):
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([encode(v) for v in row])
                written += len(batch)
                if progress:
                    progress(written)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"
            ops = connection.ops

            def adapt(value):
                if isinstance(value, dt.datetime):
                    return ops.adapt_datetimefield_value(value)
                return encode(value)

            for batch in _batches(rows, BATCH):
                cursor.executemany(sql, [[adapt(v) for v in row] for row in batch])
                written += len(batch)
                if progress:
                    progress(written)
    return written


# Secondary indexes: neither the primary key nor one that enforces uniqueness.
_SECONDARY = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
    ORDER BY i.indexrelid
"""


@contextmanager
def indexes_deferred(models: Iterable, *, when: bool = True) -> Iterator[list[str]]:
    """Inside a transaction on PostgreSQL, drop the secondary indexes of `models`'
    tables for the load in the block and build each again once it ends.

    One sorted build per index is far cheaper than keeping B-trees and trigram
    indexes up to date through millions of inserts. Unique and primary-key indexes
    stay, so every constraint is checked as rows arrive. The tables are locked to
    other sessions until commit, and an error in the block rolls the drops back with
    the load. PostgreSQL builds no index on a table with foreign-key checks pending,
    so the block's deferred checks run before the builds, and the rest of the
    transaction checks constraints at once. Yields the names of the deferred indexes
    (none elsewhere or if not `when`)."""
    if not when or connection.vendor != "postgresql":
        yield []
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred() must run inside transaction.atomic().")
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cur:
        cur.execute(_SECONDARY, [tables])
        deferred = cur.fetchall()
        for name, _definition in deferred:
            cur.execute(f"DROP INDEX {name}")
    yield [name for name, _definition in deferred]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in deferred:
            cur.execute(definition)


class ProgressBar:
    """A one-line progress bar on stderr: `customers ████████░░ 80% 800,000/1,000,000`."""

    def __init__(self, label: str, total: int, stream=None, width: int = 30):
        self.label, self.total, self.width = label, max(total, 1), width
        self.stream = stream or sys.stderr

    def __call__(self, done: int) -> None:
        filled = int(self.width * done / self.total)
        bar = "█" * filled + "░" * (self.width - filled)
        pct = 100 * done // self.total
        self.stream.write(f"\r{self.label:<14} {bar} {pct:3d}% {done:,}/{self.total:,}")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


SAMPLE_CHUNK = 20_000  # customers read per query when sampling


def sampled(
    customers: QuerySet,
    *,
    total: int,
    wanted: int,
    rng: random.Random,
    skip: Callable[[list[str]], set[str]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[list[str], list[str], dict]]:
    """Chunk by chunk of `customers` (IDs only, by key): the chunk's IDs, the ones chosen
    in it, and their sign-up times. Selection sampling (Knuth's algorithm S): `wanted`
    of the `total`, in one pass; `skip(chunk)` names IDs never to choose. `progress(n)`
    hears how many were looked at once the caller is done with a chunk."""
    last, seen, taken = "", 0, 0
    while True:
        chunk = list(
            customers.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:SAMPLE_CHUNK]
        )
        if not chunk:
            return
        skipped = skip(chunk) if skip else set()
        chosen = []
        for customer_id in chunk:
            left = wanted - taken - len(chosen)
            if customer_id not in skipped and rng.random() * max(total - seen, 1) < left:
                chosen.append(customer_id)
            seen += 1
        taken += len(chosen)
        found = customers.model._default_manager.filter(pk__in=chosen)
        joined = dict(found.values_list("pk", "created_at"))
        yield chunk, chosen, joined
        last = chunk[-1]
        if progress:
            progress(seen)
