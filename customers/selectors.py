"""Reads about customers that several areas share: the scoped lookup, the
per-customer conditions the list filters on (an active subscription, a minimum
total paid, read off the kept spend figures), and what the details page shows of
a customer's portal use."""

import datetime as dt

from django.db import connection, connections
from django.db.models import Exists, Max, Min, OuterRef, QuerySet, Sum
from django.http import Http404

from customers.core.pagination import tab_context
from customers.core.prepared import prepared
from customers.models import Customer, CustomerSpend, EmailLog, SignupDay, Subscription
from customers.notes.selectors import with_tag_names
from portal.models import PortalLink, PortalLogin

SORTED_SPENDERS = 200_000  # at most this many spenders: sorted rather than walked
SORT_MEMORY = "32MB"  # what sorting that many takes without spilling to disk


def customer_get(*, business_id: str, customer_id: str, tag_names: bool = False) -> Customer:
    """The business's customer with this ID; another business's (or no) customer is a 404.
    `tag_names`: with its tag names read in the same query (the API's)."""
    found = _customer(business_id=business_id, customer_id=str(customer_id), tag_names=tag_names)
    if not found:
        raise Http404("No customer matches the given query.")
    return found[0]


def signed_up(business, after: dt.date | None, before: dt.date | None) -> int:
    """How many of the business's customers were created from `after` to `before` (UTC
    days, inclusive; None: no bound), from the kept daily counts (SignupDay, kept by
    triggers): a sum over at most a row a day, where counting the customers reads
    an index entry each."""
    days = _signup_sum(
        business_id=getattr(business, "pk", business),  # the business or its ID
        after=after or dt.date.min,
        before=before or dt.date.max,
    )
    return days[0]["n"] if days else 0


@prepared("business_id", "after", "before")
def _signup_sum(*, business_id: str, after: dt.date, before: dt.date) -> QuerySet:
    days = SignupDay.objects.filter(business_id=business_id, day__gte=after, day__lte=before)
    return days.order_by().values("business_id").annotate(n=Sum("customers"))


@prepared("business_id")
def customers_newest(*, business_id: str) -> QuerySet[Customer]:
    """Every customer of the business, newest first, with their tag names (the API's
    list with no filter): compiled once, read a page at a time through `.rows()`."""
    return with_tag_names(Customer.objects.for_business(business_id).newest_first())


@prepared("business_id", "customer_id")
def _customer(*, business_id: str, customer_id: str, tag_names: bool) -> QuerySet[Customer]:
    customers = Customer.objects.for_business(business_id)
    if tag_names:
        customers = with_tag_names(customers)
    return customers.filter(pk=customer_id)[:1]


def portal_activity(customer: Customer, *, limit: int = 5) -> dict:
    """Recent invite and sign-in links, and the last portal visit (two queries)."""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    last_login = _last_logins(**ids)
    return {
        "portal_links": _portal_links(**ids, limit=limit),
        "portal_last_visit": last_login[0].last_seen_at if last_login else None,
    }


@prepared("business_id", "customer_id")
def _portal_links(*, business_id: str, customer_id: str, limit: int) -> QuerySet[PortalLink]:
    links = PortalLink.objects.filter(business_id=business_id, customer_id=customer_id)
    return links.order_by("-created_at")[:limit]


@prepared("business_id", "customer_id")
def _last_logins(*, business_id: str, customer_id: str) -> QuerySet[PortalLogin]:
    logins = PortalLogin.objects.filter(business_id=business_id, customer_id=customer_id)
    return logins.order_by("-last_seen_at")[:1]


def of_customer(model):
    """Rows of `model` that belong to the outer customer of a subquery (business
    first: the (business, customer, …) indexes serve it)."""
    return model.objects.filter(business=OuterRef("business_id"), customer=OuterRef("pk"))


def has_active_subscription():
    return Exists(of_customer(Subscription).filter(status=Subscription.Status.ACTIVE))


def subscribed_customers(business):
    """The IDs of the business's customers with an active subscription, each once."""
    active = Subscription.objects.filter(business=business, status=Subscription.Status.ACTIVE)
    return active.values("customer_id").distinct()


def paid_at_least(currency: str, minimum: int) -> Exists:
    """Customers whose total paid in `currency` is at least `minimum` (> 0)."""
    return Exists(of_customer(CustomerSpend).filter(currency=currency, net__gte=minimum))


def spenders(business, currency: str, minimum: int, cap: int, *, since=None, until=None):
    """All their IDs (signed up in [since, until)) if there are at most `cap`, else None:
    at most cap + 1 of them read in one pass of the (business, currency, net) index
    (a count first, then the IDs, walked it twice)."""
    matches = _spending(business, currency, minimum, since, until)
    ids = list(matches.values_list("customer_id", flat=True)[: cap + 1])
    return ids if len(ids) <= cap else None


def spenders_span(business, currency: str, minimum: int) -> tuple:
    """When the oldest and the newest of them signed up (two index lookups)."""
    span = _spending(business, currency, minimum).aggregate(
        first=Min("customer_created_at"), last=Max("customer_created_at")
    )
    return span["first"], span["last"]


def spenders_in_order(
    business,
    currency: str,
    minimum: int,
    limit: int,
    *,
    newest_first: bool,
    since=None,
    until=None,
    among=None,
) -> list[str]:
    """The IDs of the first `limit` of them by sign-up (newest or oldest first) who
    signed up in [since, until) and, with `among` (a queryset of customers), are in it.

    Big spenders are mostly old customers, so walking the sign-up index newest first
    may pass millions of smaller spenders before it meets them (0.4 s at ten million
    customers). Up to SORTED_SPENDERS of them are instead read off the (business,
    currency, net, ...) index and sorted (28 ms for 82,000), and only then is each
    one's customer row checked against `among`, in that order, until `limit` pass;
    more spenders are dense enough for the walk to meet them soon."""
    matches = _spending(business, currency, minimum, since, until)
    if connection.vendor == "postgresql":
        ids = _sorted_spenders(matches, limit, newest_first, among)
        if ids is not None:
            return ids
    if among is None:
        order = _by_signup("", newest_first)
        return list(matches.order_by(*order).values_list("customer_id", flat=True)[:limit])
    # The walk: the spend index in sign-up order, each spender's customer row checked.
    walked = among.filter(spend__currency=currency, spend__net__gte=minimum)
    order = _by_signup("spend__", newest_first)
    return list(walked.order_by(*order).values_list("id", flat=True)[:limit])


def _sorted_spenders(matches, limit: int, newest_first: bool, among) -> list[str] | None:
    """spenders_in_order's sorted read, in one statement: None if there are more than
    SORTED_SPENDERS of them (counted on the net index first; then nothing is sorted)."""
    first = matches.values_list("customer_id", "customer_created_at")[: SORTED_SPENDERS + 1]
    sql, params = first.query.sql_with_params()
    direction = "DESC" if newest_first else "ASC"
    order = f"ORDER BY customer_created_at {direction}, customer_id {direction}"
    if among is None:  # the first few of them: a top-N sort
        chosen, memory, checked = f"SELECT customer_id FROM spenders {order}", None, ()
    else:
        # All of them sorted (OFFSET 0 keeps the sort below the check), then each
        # one's customer row probed by key, in that order, until `limit` of them
        # pass the other filters (a correlated EXISTS with an OFFSET stays a per-row
        # probe; as a join, PostgreSQL hashes the whole customers table).
        among_sql, checked = among.values("pk").query.sql_with_params()
        chosen = (
            f"SELECT customer_id FROM (SELECT * FROM spenders {order} OFFSET 0) s "
            f"WHERE EXISTS (SELECT 1 FROM ({among_sql}) c WHERE c.pk = s.customer_id OFFSET 0) "
            f"{order}"
        )
        memory = SORT_MEMORY
    with connections[matches.db].cursor() as cur:  # the replica, where the list reads one
        # Counted on the net index first; only if there are few enough are they read
        # off it again (the CTE is a subquery with a LIMIT in both places, so never
        # walked by sign-up) and sorted, with the memory that takes for this
        # statement alone (set_config(…, true) lasts to its end).
        cur.execute(
            f"WITH spenders AS NOT MATERIALIZED ({sql}) "
            "SELECT found, CASE WHEN found <= %s AND "
            "set_config('work_mem', COALESCE(%s, current_setting('work_mem')), true) <> '' "
            f"THEN ARRAY({chosen} LIMIT %s) END "
            "FROM (SELECT (SELECT COUNT(*) FROM spenders) AS found OFFSET 0) AS f",
            [*params, SORTED_SPENDERS, memory, *checked, limit],
        )
        found, ids = cur.fetchone()
    return ids if found <= SORTED_SPENDERS else None


def _by_signup(path: str, newest_first: bool) -> list[str]:
    """CustomerSpend's sign-up order (the customer table's), reached through `path`."""
    sign = "-" if newest_first else ""
    return [f"{sign}{path}customer_created_at", f"{sign}{path}customer_id"]


def _spending(business, currency: str, minimum: int, since=None, until=None):
    matches = CustomerSpend.objects.filter(business=business, currency=currency, net__gte=minimum)
    if since:
        matches = matches.filter(customer_created_at__gte=since)
    if until:
        matches = matches.filter(customer_created_at__lt=until)
    return matches


def emails_tab(customer: Customer, params) -> dict:
    """The e-mails sent to this customer, newest first; `status=` one EmailLog status.
    Served by the (business, customer_id, created_at) index."""
    status = params.get("status", "")
    emails = EmailLog.objects.filter(business_id=customer.business_id, customer_id=customer.pk)
    if status in EmailLog.Status.values:
        emails = emails.filter(status=status)
    else:
        status = ""
    return tab_context(
        "emails",
        emails.order_by("-created_at", "-id"),
        params,
        status=status,
        choices=EmailLog.Status.choices,
    )
