"""The load and the checks of `manage.py chaos`.

A bounded mixed load over loopback HTTP (reads, wallet ledger posts with idempotency
keys, full refunds) runs in a few threads while the command breaks PostgreSQL or
Redis under it. Every write is retried until it gets an answer, the ledger posts
with their first idempotency key; a full refund is its own key (a retry after it
went through is 400 NOTHING_TO_REFUND). Afterwards the database is read directly
to check that every acknowledged write is there, exactly once.
"""

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg

RETRY_FOR = 45.0  # seconds a write is retried before the load gives up on it
FUNDS = 10_000_000  # each customer's opening credit: the debits never overdraw


@dataclass
class Op:
    kind: str  # "read", "credit", "debit", "refund"
    path: str
    body: dict | None = None
    customer_id: str = ""
    amount: int = 0
    payment_id: str = ""
    key: str = ""


@dataclass
class Outcome:
    op: Op
    phase: str
    attempts: int = 0
    statuses: list = field(default_factory=list)
    acknowledged: bool = False  # a 2xx answer (for a refund, or NOTHING_TO_REFUND after one)
    refund_id: str = ""


class Client:
    """Plain loopback HTTP with the API key; status 0 means no answer at all."""

    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url
        self.api_key = api_key

    def send(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except OSError:  # refused, reset, timed out
            return 0, {}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def make_ops(n: int, customers: list[str], payments: list[str], *, seed: int, tag: str) -> list:
    """n operations: about 40% reads, 25% credits, 25% debits, 10% refunds."""
    rng = random.Random(seed)
    payments = list(payments)
    rng.shuffle(payments)
    ops = []
    for i in range(n):
        customer = rng.choice(customers)
        roll = rng.random()
        if roll < 0.10 and payments:
            payment = payments.pop()
            ops.append(Op("refund", "/api/refunds", {"payment_id": payment}, payment_id=payment))
        elif roll < 0.60:
            direction = "credit" if roll < 0.35 else "debit"
            amount = rng.randint(1, 5_000)
            key = f"chaos-{tag}-{i}"
            body = {"amount": amount, "currency": "USD", "entry_type": direction}
            body |= {"idempotency_key": key, "reason": f"chaos {direction}"}
            path = f"/api/customers/{customer}/wallets/ledger-entries"
            ops.append(Op(direction, path, body, customer, amount, key=key))
        elif roll < 0.80:
            ops.append(Op("read", f"/api/customers/{customer}/wallets", customer_id=customer))
        else:
            ops.append(Op("read", "/api/customers?page_size=10"))
    return ops


def perform(client: Client, op: Op, phase: str, *, retry: bool) -> Outcome:
    """Send `op`; a write is retried (same body, same key) until it is answered."""
    outcome = Outcome(op, phase)
    deadline = time.monotonic() + RETRY_FOR
    while True:
        outcome.attempts += 1
        method = "GET" if op.kind == "read" else "POST"
        status, body = client.send(method, op.path, op.body)
        outcome.statuses.append(status)
        if 200 <= status < 300:
            outcome.acknowledged = True
            outcome.refund_id = body.get("refund_id", "") if op.kind == "refund" else ""
            return outcome
        already = op.kind == "refund" and body.get("code") == "NOTHING_TO_REFUND"
        if already and outcome.attempts > 1:
            outcome.acknowledged = True  # an earlier attempt went through
            return outcome
        if 400 <= status < 500 or not retry or time.monotonic() > deadline:
            return outcome
        time.sleep(0.1)


class Load:
    """Runs operations in `threads` threads and keeps every outcome."""

    def __init__(self, client: Client, threads: int = 4):
        self.client = client
        self.threads = threads
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.phase = "steady"

    def run(self, ops: list[Op], *, retry: bool = True) -> None:
        def one(op):
            outcome = perform(self.client, op, self.phase, retry=retry)
            with self.lock:
                self.outcomes.append(outcome)

        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(one, ops))

    def statuses(self, phase: str) -> Counter:
        return Counter(s for o in self.outcomes if o.phase == phase for s in o.statuses)


def check_database(dsn: str, load: Load, business_id: str, opening: dict) -> tuple[dict, list[str]]:
    """(figures, violations): every acknowledged write is in the database, none twice,
    and each wallet holds exactly its `opening` balance plus the posted entries."""
    writes = [o for o in load.outcomes if o.op.kind in ("credit", "debit")]
    refunds = [o for o in load.outcomes if o.op.kind == "refund"]
    keys = [o.op.key for o in writes]
    violations = []
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, count(*) FROM wallets_ledgerentry "
            "WHERE business_id = %s AND idempotency_key = ANY(%s) GROUP BY 1",
            [business_id, keys],
        ).fetchall()
        posted = dict(rows)
        refund_rows = conn.execute(
            "SELECT payment_id, count(*), array_agg(id) FROM customers_refund "
            "WHERE business_id = %s AND payment_id = ANY(%s) GROUP BY 1",
            [business_id, [o.op.payment_id for o in refunds]],
        ).fetchall()
        balances = dict(
            conn.execute(
                "SELECT customer_id, balance FROM wallets_wallet "
                "WHERE business_id = %s AND currency = 'USD'",
                [business_id],
            ).fetchall()
        )
    refunded = {payment: (count, ids) for payment, count, ids in refund_rows}
    for o in writes:
        count = posted.get(o.op.key, 0)
        if o.acknowledged and count == 0:
            violations.append(f"acknowledged {o.op.kind} {o.op.key} is not in the ledger")
        if count > 1:
            violations.append(f"{o.op.key} was posted {count} times")
    for o in refunds:
        count, ids = refunded.get(o.op.payment_id, (0, []))
        if o.acknowledged and count == 0:
            violations.append(f"acknowledged refund of {o.op.payment_id} is not in the database")
        if o.refund_id and o.refund_id not in ids:
            violations.append(f"acknowledged refund {o.refund_id} is not in the database")
        if count > 1:
            violations.append(f"payment {o.op.payment_id} was refunded {count} times")
    expected = Counter()
    for o in writes:
        if posted.get(o.op.key):
            expected[o.op.customer_id] += o.op.amount if o.op.kind == "credit" else -o.op.amount
    for customer, delta in expected.items():
        want = opening.get(customer, 0) + delta
        if balances.get(customer) != want:
            violations.append(f"wallet of {customer} holds {balances.get(customer)}, not {want}")
    figures = {
        "ledger posts": len(writes),
        "acknowledged": sum(o.acknowledged for o in writes),
        "in the ledger": sum(1 for o in writes if posted.get(o.op.key)),
        "retried": sum(o.attempts > 1 for o in writes + refunds),
        "refunds": len(refunds),
        "refunds acknowledged": sum(o.acknowledged for o in refunds),
        "wallets checked": len(expected),
    }
    return figures, violations
