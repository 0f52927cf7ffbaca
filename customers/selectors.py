"""Reads about customers that several areas share: the scoped lookup, the
per-customer conditions the list filters on (an active subscription, a minimum
total paid, read off the kept spend figures), and what the details page shows of
a customer's portal use."""

import datetime as dt
from dataclasses import dataclass

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


@dataclass(frozen=True)
class FirstSpenders:
    """Which of the spenders a page needs when there are more than the cap of them:
    the first `limit` by sign-up (newest or oldest first) and, with `among` (a
    queryset of customers), in it."""

    limit: int
    newest_first: bool
    among: QuerySet | None = None


def spenders(
    business,
    currency: str,
    minimum: int,
    cap: int,
    *,
    since=None,
    until=None,
    first: FirstSpenders | None = None,
) -> tuple[list[str] | None, bool]:
    """The IDs of the customers who paid at least `minimum` (signed up in [since,
    until)), and whether they are all of them: all of them if there are at most `cap`
    (read off the (business, currency, net) index); else, with `first`, those the
    page needs in sign-up order; else None.

    Big spenders are mostly old customers, so walking the sign-up index newest first
    may pass millions of smaller spenders before it meets them (0.4 s at ten million
    customers). Up to SORTED_SPENDERS of them are instead read off the net index and
    sorted (28 ms for 82,000), and only then is each one's customer row checked
    against `among`, in that order, until `limit` pass; more spenders are dense
    enough for the walk to meet them soon. On PostgreSQL, without `among`, counting
    them and reading the IDs is one statement whichever way they are read, so such a
    page makes as many queries at ten million customers as at a few hundred."""
    matches = _spending(business, currency, minimum, since, until)
    postgresql = connection.vendor == "postgresql"
    if first is not None and first.among is None and postgresql:
        walk = _walk(matches, currency, minimum, first)
        found, ids = _spenders_at_once(matches, first, cap=cap, walk=walk)
        return ids, found <= cap
    ids = list(matches.values_list("customer_id", flat=True)[: cap + 1])
    if len(ids) <= cap:
        return ids, True
    if first is None:
        return None, False
    # With `among`, the sorted read is a statement of its own: a walk planned beside
    # it would cost its JIT compilation every time.
    ids = _spenders_at_once(matches, first)[1] if postgresql else None
    return (list(_walk(matches, currency, minimum, first)) if ids is None else ids), False


def spenders_span(business, currency: str, minimum: int) -> tuple:
    """When the oldest and the newest of them signed up (two index lookups)."""
    span = _spending(business, currency, minimum).aggregate(
        first=Min("customer_created_at"), last=Max("customer_created_at")
    )
    return span["first"], span["last"]


def _walk(matches, currency: str, minimum: int, first: FirstSpenders) -> QuerySet:
    """The first spenders by sign-up, walked along the sign-up index."""
    if first.among is None:
        order = _by_signup("", first.newest_first)
        return matches.order_by(*order).values_list("customer_id", flat=True)[: first.limit]
    # Each spender's customer row checked on the way.
    walked = first.among.filter(spend__currency=currency, spend__net__gte=minimum)
    order = _by_signup("spend__", first.newest_first)
    return walked.order_by(*order).values_list("id", flat=True)[: first.limit]


def _spenders_at_once(matches, first: FirstSpenders, *, cap=None, walk=None):
    """How many spenders there are (counted on the net index up to the cap or
    SORTED_SPENDERS, and one more) and, in the same statement: with `cap`, all of
    them if there are at most that many; else the first ones sorted if there are at
    most SORTED_SPENDERS; else, with `walk`, the first ones walked; else None."""
    counted = matches.values_list("customer_id", "customer_created_at")
    sql, params = counted[: max(cap or 0, SORTED_SPENDERS) + 1].query.sql_with_params()
    direction = "DESC" if first.newest_first else "ASC"
    order = f"ORDER BY customer_created_at {direction}, customer_id {direction}"
    if first.among is None:  # the first few of them: a top-N sort
        chosen, memory, checked = f"SELECT customer_id FROM spenders {order}", None, ()
    else:
        # All of them sorted (OFFSET 0 keeps the sort below the check), then each
        # one's customer row probed by key, in that order, until `limit` of them
        # pass the other filters (a correlated EXISTS with an OFFSET stays a per-row
        # probe; as a join, PostgreSQL hashes the whole customers table).
        among_sql, checked = first.among.values("pk").query.sql_with_params()
        chosen = (
            f"SELECT customer_id FROM (SELECT * FROM spenders {order} OFFSET 0) s "
            f"WHERE EXISTS (SELECT 1 FROM ({among_sql}) c WHERE c.pk = s.customer_id OFFSET 0) "
            f"{order}"
        )
        memory = SORT_MEMORY
    every, every_params = "", []
    if cap is not None:
        every, every_params = (
            "WHEN found <= %s THEN ARRAY(SELECT customer_id FROM spenders) ",
            [cap],
        )
    walked, walk_params = ("", ()) if walk is None else walk.query.sql_with_params()
    walked = f"ELSE ARRAY({walked}) " if walked else ""
    with connections[matches.db].cursor() as cur:  # the replica, where the list reads one
        # Counted on the net index first (the CTE is a subquery with a LIMIT in each
        # place, so never walked by sign-up); a CASE runs only the branch it takes. The
        # sort gets the memory it takes for this statement alone (set_config(…, true)
        # lasts to its end).
        cur.execute(
            f"WITH spenders AS NOT MATERIALIZED ({sql}) "
            f"SELECT found, CASE {every}"
            "WHEN found <= %s AND "
            "set_config('work_mem', COALESCE(%s, current_setting('work_mem')), true) <> '' "
            f"THEN ARRAY({chosen} LIMIT %s) "
            f"{walked}END "
            "FROM (SELECT (SELECT COUNT(*) FROM spenders) AS found OFFSET 0) AS f",
            [*params, *every_params, SORTED_SPENDERS, memory, *checked, first.limit, *walk_params],
        )
        return cur.fetchone()


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
