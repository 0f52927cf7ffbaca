"""Which of the customers seed_demo just added get a history (wallets, credits):
exactly `wanted` of them, each equally likely, read in chunks by key."""

import random
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from customers.models import Customer

CHUNK = 20_000  # customers read per query


def sampled(
    customers: QuerySet[Customer],
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
            customers.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
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
        joined = dict(Customer.objects.filter(pk__in=chosen).values_list("pk", "created_at"))
        yield chunk, chosen, joined
        last = chunk[-1]
        if progress:
            progress(seen)
