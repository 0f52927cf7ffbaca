"""The worker's side of customer imports: the dry run and the import itself.

Both read the stored file from the start, in batches of `BATCH` rows, and count as
they go (the job's row is the progress the page polls). A run first claims the job
with a conditional UPDATE and a fresh token (as export jobs do), and every update
after that is conditional on the token, so two workers never run one job.

The import is idempotent on e-mail: a row whose e-mail (any case) is already a
customer's is skipped and counted as existing, so running a job again after a crash
finishes it without duplicates. Each batch is one transaction: its new customers are
inserted with one multi-row INSERT … ON CONFLICT DO NOTHING (the per-business
e-mail index decides a race with another writer). The sign-up figures (SignupDay)
stay right: on PostgreSQL the batch adds them per day itself with the row trigger
switched off for its INSERT (see `_insert`; a kept figure added later on customer
inserts must be added there too), elsewhere the trigger does it. No Event per customer and no
`customer.created` webhook: one `customers.imported` Event per import, with counts.
"""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation

from customers.audit import Actor, event_record
from customers.imports.reading import MAX_ROWS, ImportFileError, check_row, rows
from customers.models import Customer, CustomerImport, SignupDay
from customers.reports.job_runner import export_storage

BATCH = 2_000
# The kept figures' switch (customers.reports.summaries) and the sign-ups upsert.
_DEFER = "SELECT set_config('customerhub.defer_summaries', %s, true)"
_SIGNUPS = (
    f"INSERT INTO {SignupDay._meta.db_table} (business_id, day, customers) VALUES {{values}} "
    "ON CONFLICT (business_id, day) DO UPDATE "
    f"SET customers = {SignupDay._meta.db_table}.customers + EXCLUDED.customers"
)
ANALYZE_AFTER = 10_000  # rows created; then ANALYZE the customer table (PostgreSQL)
MAX_PROBLEMS = 200  # kept on the job for the page; the counts cover every row
STALE_AFTER = dt.timedelta(minutes=10)


class ImportLost(Exception):
    """Another run took this job over: stop."""


def _claim(job_id: str, status: str, *, running: str) -> str | None:
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=status, claim="") | Q(status=running, updated_at__lt=now - STALE_AFTER)
    claimed = CustomerImport.objects.filter(claimable, pk=job_id).update(
        status=running,
        claim=token,
        rows_total=0,
        rows_valid=0,
        rows_invalid=0,
        rows_existing=0,
        rows_created=0,
        problems=[],
        error="",
        updated_at=now,
    )
    return token if claimed else None


def _batches(job: CustomerImport) -> Iterator[list[tuple[int, list[str]]]]:
    with export_storage().open(job.file, "rb") as binary:
        data = rows(binary, max_rows=MAX_ROWS)
        next(data, None)  # the header row
        while batch := list(islice(data, BATCH)):
            yield batch


def _existing(business_id: str, emails: list[str]) -> set[str]:
    """Which of these (lower-cased) e-mails are customers already: one index lookup each."""
    if not emails:
        return set()
    found = (
        Customer.objects.for_business(business_id)
        .alias(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list(Lower("email"), flat=True)
    )
    return set(found)


class _Tally:
    """Counts and the first problems, as the job row keeps them."""

    def __init__(self):
        self.total = self.valid = self.invalid = self.existing = self.created = 0
        self.problems: list[dict] = []
        self.seen: set[str] = set()

    def problem(self, line: int, field: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"line": line, "field": field, "message": str(message)})

    def fields(self) -> dict:
        return {
            "rows_total": self.total,
            "rows_valid": self.valid,
            "rows_invalid": self.invalid,
            "rows_existing": self.existing,
            "rows_created": self.created,
            "problems": self.problems,
            "updated_at": timezone.now(),
        }


def _sort(job: CustomerImport, batch, tally: _Tally) -> list[dict]:
    """Check one batch; the rows to create (valid, new, first in the file)."""
    checked = []
    for line, cells in batch:
        fields, problems = check_row(cells, job.mapping, country=job.business.country)
        checked.append((line, fields, problems))
    emails = [f["email"].lower() for _line, f, p in checked if not p]
    existing = _existing(job.business_id, emails)
    fresh = []
    for line, fields, problems in checked:
        tally.total += 1
        email = fields["email"].lower()
        if problems:
            tally.invalid += 1
            for field, message in problems:
                tally.problem(line, field, message)
        elif email in tally.seen:
            tally.invalid += 1
            tally.problem(line, "email", "duplicate")
        elif email in existing:
            tally.existing += 1
            tally.seen.add(email)
        else:
            tally.valid += 1
            tally.seen.add(email)
            fresh.append(fields)
    return fresh


def _run(job_id: str, *, queued: str, running: str, done: str, create: bool) -> bool:
    token = _claim(job_id, queued, running=running)
    if token is None:
        return False
    owned = CustomerImport.objects.filter(pk=job_id, claim=token, status=running)
    job = CustomerImport.objects.select_related("business", "requested_by").get(pk=job_id)
    tally = _Tally()
    try:
        with translation.override(job.language):
            _each_batch(job, owned, tally, create=create)
    except ImportFileError as exc:
        _finish(owned, tally, status=CustomerImport.Status.FAILED, error=str(exc))
        return False
    except ImportLost:
        raise
    except Exception as exc:  # back in the queue for the task's retry
        owned.update(status=queued, claim="", error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    if create and tally.created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Tell the planner about the new rows now rather than when autovacuum gets to
        # it: with stale statistics the next import's e-mail lookups (and the pages'
        # plans) may read the whole business instead of the e-mail index.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Customer._meta.db_table}")
    with transaction.atomic():
        if not _finish(owned, tally, status=done):
            raise ImportLost(job_id)
        if create:
            user = job.requested_by
            event_record(
                job.business,
                type="customers.imported",
                actor=Actor.user(user) if user else Actor.system("import"),
                payload={
                    "import_id": job.pk,
                    "file": job.filename,
                    "rows": tally.total,
                    "created": tally.created,
                    "existing": tally.existing,
                    "invalid": tally.invalid,
                },
            )
    return True


def _each_batch(job: CustomerImport, owned, tally: _Tally, *, create: bool) -> None:
    for batch in _batches(job):
        fresh = _sort(job, batch, tally)
        with transaction.atomic():
            if create and fresh:
                created = _insert(job, fresh)
                tally.created += created
                tally.existing += len(fresh) - created  # taken meanwhile by another writer
            if not owned.update(**tally.fields()):
                raise ImportLost(job.pk)


def _finish(owned, tally: _Tally, *, status: str, error: str = "") -> int:
    now = timezone.now()
    checked = {"rows_checked": tally.total} if status == CustomerImport.Status.CHECKED else {}
    return owned.update(
        **tally.fields(), **checked, status=status, error=error[:500], finished_at=now, claim=""
    )


def _insert(job: CustomerImport, fresh: list[dict]) -> int:
    """Insert the batch's new customers; how many were created (a race may take some).

    On PostgreSQL the sign-up trigger is switched off for the INSERT (it cost as much as
    the INSERT itself: one upsert per row) and the batch's sign-ups are added per day in
    one statement instead; the switch is turned back on before the batch commits.
    """
    customers = [
        Customer(
            business_id=job.business_id,
            name=f["name"],
            email=f["email"],
            phone_number=f["phone_number"],
            preferred_locale=f["preferred_locale"],
            metadata=f["metadata"],
            created_at=f["created_at"],
        )
        for f in fresh
    ]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(_DEFER, ["on"])
        Customer.objects.bulk_create(customers, ignore_conflicts=True)
        if postgres:
            cursor.execute(_DEFER, ["off"])
        created = Customer.objects.filter(pk__in=[c.pk for c in customers])
        days = Counter(
            when.astimezone(dt.UTC).date() for when in created.values_list("created_at", flat=True)
        )
        if postgres and days:
            values = ", ".join(["(%s, %s, %s)"] * len(days))
            params = [v for day, n in days.items() for v in (job.business_id, day, n)]
            cursor.execute(_SIGNUPS.format(values=values), params)
    return sum(days.values())


def customer_import_check_run(*, job_id: str) -> bool:
    """The dry run: check every row, count what an import would do, write nothing else."""
    s = CustomerImport.Status
    return _run(job_id, queued=s.CHECKING, running=s.CHECKING, done=s.CHECKED, create=False)


def customer_import_run(*, job_id: str) -> bool:
    """The import: create the valid rows' customers, skip the others."""
    s = CustomerImport.Status
    return _run(job_id, queued=s.QUEUED, running=s.RUNNING, done=s.SUCCEEDED, create=True)


def customer_import_give_up(*, job_id: str, error: str) -> None:
    """The last attempt failed: the job is failed, with the last error."""
    active = CustomerImport.objects.filter(pk=job_id, status__in=CustomerImport.ACTIVE)
    active.update(status=CustomerImport.Status.FAILED, error=error[:500], updated_at=timezone.now())
