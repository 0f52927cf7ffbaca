"""How each of the customer list's filters narrows a queryset, as functions that
`customers.filters.CustomerFilter` and the prepared filtered lists
(`customers.listing`) share; and which filters a prepared list can take.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerTag
from customers.selectors import has_active_subscription
from wallets.selectors import with_wallet_balance

# `ids`: customers ticked in the table (exporting a selection), comma-separated.
IDS_MAX = 500
CUSTOMER_ID = re.compile(r"cus_[0-9A-Za-z]{25}")


def parse_ids(value: str) -> list[str]:
    """Customer IDs from "cus_…,cus_…"; a malformed one or too many is a ValidationError."""
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if len(ids) > IDS_MAX:
        raise ValidationError(
            _("Select at most %(max)s customers."), code="max_ids", params={"max": IDS_MAX}
        )
    if not all(CUSTOMER_ID.fullmatch(pk) for pk in ids):
        raise ValidationError(_("Enter customer IDs separated by commas."), code="ids")
    return list(dict.fromkeys(ids))


# The credit filters: which credit, a balance below an amount, in overage.
CREDIT_FILTERS = ("credits", "credits_below", "credits_overage")
# The sign-up dates: whole UTC days, inclusive.
DATE_FILTERS = {"created_after", "created_before"}


def created_range(after: dt.date | None, before: dt.date | None):
    """Dates are whole UTC days, inclusive at both ends: [start, end) datetimes."""
    start = dt.datetime.combine(after, dt.time.min, tzinfo=dt.UTC) if after else None
    end = None
    if before:
        end = dt.datetime.combine(before + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


def created_since(queryset: QuerySet, since: dt.datetime) -> QuerySet:
    return queryset.filter(created_at__gte=since)


def created_until(queryset: QuerySet, until: dt.datetime) -> QuerySet:
    return queryset.filter(created_at__lt=until)


def with_phone(queryset: QuerySet, value: bool) -> QuerySet:
    return queryset.exclude(phone_number="") if value else queryset.filter(phone_number="")


def with_active_subscription(queryset: QuerySet, value: bool) -> QuerySet:
    exists = has_active_subscription()
    return queryset.filter(exists) if value else queryset.exclude(exists)


def tagged(queryset: QuerySet, business_id: str, tag_id: str) -> QuerySet:
    # Served by CustomerTag's (business, tag, customer) index: the planner may read
    # the tagged customers and fetch them by key, or probe each customer along the
    # page's order through the unique (business, customer, tag) one.
    tags = CustomerTag.objects.filter(business_id=business_id, tag_id=tag_id)
    return queryset.filter(pk__in=tags.values("customer_id"))


def among_ids(queryset: QuerySet, ids: list[str]) -> QuerySet:
    return queryset.filter(pk__in=ids)


# The yes/no filters: each picks one of two shapes of SQL. The wallet balance is an
# EXISTS subquery on the wallets' (business, customer, …) index.
YES_NO_FILTERS = {
    "has_phone": with_phone,
    "has_wallet_balance": with_wallet_balance,
    "has_active_subscription": with_active_subscription,
}
# Filters whose SQL is the same whatever their value (a bound parameter, or a yes/no
# picking one of two shapes): a list filtered only by them is read through a prepared
# selector (customers.listing), compiled once per set of filters, order and columns.
PREPARED_FILTERS = frozenset({*DATE_FILTERS, *YES_NO_FILTERS, "tag", "ids"})


def prepared_filters(used: dict) -> tuple[dict, dict] | None:
    """`used` (CustomerFilter.used()) as a prepared selector takes it: the values it
    binds (the sign-up bounds, the tag, each selected customer's ID as `id_000`…) and
    its shape (the yes/no filters), for apply_prepared_filters. None when a filter in
    use is not one of PREPARED_FILTERS."""
    if not used or not used.keys() <= PREPARED_FILTERS:
        return None
    since, until = created_range(used.get("created_after"), used.get("created_before"))
    values = {"since": since, "until": until, "tag": used.get("tag")}
    if "ids" in used:
        ids = parse_ids(used["ids"])
        if not ids:
            return None  # nothing to match: the plain queryset says so without SQL
        # Padded to a power of two with IDs no customer has ("~1"…; the same matches,
        # and Django drops a repeated one): a few prepared shapes serve every size.
        ids += [f"~{n}" for n in range(2 ** (len(ids) - 1).bit_length() - len(ids))]
        values.update((f"id_{i:03d}", pk) for i, pk in enumerate(ids))
    yes_no = tuple((name, used[name]) for name in YES_NO_FILTERS if name in used)
    return {k: v for k, v in values.items() if v is not None}, {"yes_no": yes_no}


def apply_prepared_filters(
    queryset: QuerySet,
    *,
    business_id: str,
    yes_no=(),
    since=None,
    until=None,
    tag=None,
    **ids: str,
) -> QuerySet:
    """`queryset` filtered as CustomerFilter filters it, from prepared_filters()."""
    ids = [ids[name] for name in sorted(ids)]
    if since is not None:
        queryset = created_since(queryset, since)
    if until is not None:
        queryset = created_until(queryset, until)
    for name, value in yes_no:
        queryset = YES_NO_FILTERS[name](queryset, value)
    if tag is not None:
        queryset = tagged(queryset, business_id, tag)
    if ids:
        queryset = among_ids(queryset, ids)
    return queryset
