"""`--now`: every time-driven command can be told what time it is."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone


def add_now_argument(parser) -> None:
    parser.add_argument(
        "--now",
        help="act as if it were this moment (ISO 8601, e.g. 2026-12-01T00:00:00Z; "
        "UTC if no offset); default: the real time",
    )


def parse_now(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"--now must be an ISO 8601 date-time, not {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment
