"""Benchmark the customer export against PostgreSQL's own floor.

Exports every customer of a business with every report column (customer fields
and all computed ones) through the same code the CSV download uses, and, in the
same run, `COPY (<the same SQL>) TO STDOUT` read with psycopg: the fastest the
database can hand over those rows. Prints both times, rows/s, the ratio (target:
the export at ≥ 25% of the floor's speed) and peak RSS growth (target < 150 MB).

With `--job`, the export runs as an export job does on the worker (claim, write
the file, store it in the export storage, progress updates), in this process so
its time and memory are measured the same way; the job and its file are removed
afterwards.

Missing customers are added by running `seed_demo` in a child process, so its
memory does not count against the export's.
"""

import gc
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.http import QueryDict

from customers.models import Business, Customer, ExportJob
from customers.reports import exports
from customers.reports.columns import report_columns
from customers.reports.job_runner import export_job_run, export_storage
from customers.reports.query import parse_report_request, report_rows

SPEED_TARGET = 0.25  # the export's rows/s as a share of COPY's
MEMORY_TARGET_MB = 150


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Sink:
    """Counts bytes like a socket would take them; keeps nothing."""

    def __init__(self, path: str | None):
        self.file = open(path, "wb") if path else None  # noqa: SIM115
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self.bytes += len(data)
        if self.file:
            self.file.write(data)

    def close(self) -> None:
        if self.file:
            self.file.close()


class Command(BaseCommand):
    help = "Time a full customer export with computed columns against COPY (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--business", default="Bench Shop")
        parser.add_argument(
            "--customers",
            type=int,
            default=1_000_000,
            help="Seed the business up to this many customers first (0: use what is there)",
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument("--output", default=None, help="Also write the export here")
        parser.add_argument(
            "--job", action="store_true", help="Run it as an export job (the worker's path)"
        )

    def handle(self, *args, business, customers, format, chunk_size, output, job, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_export needs PostgreSQL: set DATABASE_URL=postgres://…")
        biz = self._ensure_customers(business, customers)
        registry = report_columns()
        query = QueryDict(mutable=True)
        query["columns"] = ",".join(registry)
        report = parse_report_request(query, business=biz, default_columns=[])
        rows = report_rows(report, times_as_text=format == "csv")
        columns = rows.columns
        size = chunk_size or exports.chunk_size()
        self.stdout.write(
            f"{biz.name}: exporting {len(columns)} columns ({sum(c.computed for c in columns)} "
            f"computed) as {format.upper()}, chunks of {size:,} rows"
            + (" — as an export job" if job else "")
        )

        gc.collect()
        rss_before, peak_before = _current_rss_mb(), _peak_rss_mb()
        sink = _Sink(output)
        start = time.perf_counter()
        first_byte = None
        if job:
            exported = self._run_job(biz, format, report.query_string(), sink)
        elif format == "csv":
            for chunk in exports.csv_chunks(rows, size=size):
                sink.write(chunk.encode())
                if first_byte is None and sink.bytes and chunk.count("\n") > 1:
                    first_byte = time.perf_counter() - start
            exported = sink.bytes
        else:
            with exports.write_xlsx(rows, size=size) as stream:
                while data := stream.read(1 << 20):
                    sink.write(data)
            exported = sink.bytes
        export_seconds = time.perf_counter() - start
        sink.close()
        peak_growth = max(_peak_rss_mb() - peak_before, 0.0)
        rss_growth = _current_rss_mb() - rss_before

        row_count, copy_seconds, copy_bytes = self._copy_floor(rows.queryset)
        export_rate = row_count / export_seconds if export_seconds else 0
        copy_rate = row_count / copy_seconds if copy_seconds else 0
        ratio = export_rate / copy_rate if copy_rate else 0

        out = self.stdout.write
        out(f"rows                {row_count:>14,}")
        label = f"{format} job" if job else format
        out(
            f"{f'export ({label})':<20}{export_seconds:>10.2f} s  {export_rate:>12,.0f} rows/s  "
            f"{exported / 1e6:,.1f} MB"
            + (f"  first rows after {first_byte:.2f} s" if first_byte is not None else "")
        )
        out(
            f"floor (COPY)        {copy_seconds:>10.2f} s  {copy_rate:>12,.0f} rows/s  "
            f"{copy_bytes / 1e6:,.1f} MB"
        )
        verdict = self.style.SUCCESS if ratio >= SPEED_TARGET else self.style.WARNING
        out(verdict(f"speed vs floor      {ratio:>10.0%}   (target ≥ {SPEED_TARGET:.0%})"))
        verdict = self.style.SUCCESS if peak_growth < MEMORY_TARGET_MB else self.style.WARNING
        out(
            verdict(
                f"peak RSS growth     {peak_growth:>10.1f} MB (target < {MEMORY_TARGET_MB} MB; "
                f"RSS now {rss_growth:+.1f} MB)"
            )
        )

    def _run_job(self, biz: Business, fmt: str, query: str, sink: _Sink) -> int:
        """One export job, start to finish, as the worker runs it; returns the file's size."""
        job = ExportJob.objects.create(business=biz, format=fmt, query=query)
        try:
            if not export_job_run(job_id=job.pk):
                raise CommandError("the export job could not be claimed")
            job.refresh_from_db()
            if sink.file:
                with export_storage().open(job.file, "rb") as stored:
                    while data := stored.read(1 << 20):
                        sink.write(data)
            return job.file_size
        finally:
            job.refresh_from_db()
            if job.file:
                export_storage().delete(job.file)
            job.delete()

    def _ensure_customers(self, name: str, wanted: int) -> Business:
        biz = Business.objects.filter(name=name).first()
        have = Customer.objects.for_business(biz).count() if biz else 0
        if wanted and have < wanted:
            self.stdout.write(f"Seeding {wanted - have:,} customers into {name} (seed_demo)…")
            subprocess.run(
                [
                    sys.executable,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "seed_demo",
                    "--business",
                    name,
                    "--customers",
                    str(wanted - have),
                ],
                check=True,
            )
            biz = Business.objects.get(name=name)
        if biz is None:
            raise CommandError(f"No business named {name!r}; pass --customers to seed one.")
        return biz

    def _copy_floor(self, queryset) -> tuple[int, float, int]:
        """`COPY (same SQL) TO STDOUT`: every row, as CSV, read as fast as psycopg can."""
        sql, params = queryset.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's cursor behind Django's wrapper
            statement = raw.mogrify(sql, params)
            rows = size = 0
            start = time.perf_counter()
            with raw.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    size += len(block)
                    rows += bytes(block).count(b"\n")
            return rows, time.perf_counter() - start, size
