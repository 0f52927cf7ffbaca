"""Ledger verification in set-based SQL: the database does the scanning and
returns only counts and a few example rows, however large the ledger is.

Used by `manage.py verify_ledgers` and at the end of `manage.py bench_ledger`.
The chain checks partition by (business_id, wallet_id) and order by sequence, the
order of the ledgerentry_unique_sequence index, so PostgreSQL can read entries in
index order instead of sorting them.
Runs on PostgreSQL and SQLite (window functions, no vendor extensions).
"""

from dataclasses import dataclass, field

from django.db import connection

from wallets.credits.models import CreditBalance, CreditLedgerEntry
from wallets.credits.verify import CHECKS as CREDIT_CHECKS
from wallets.credits.verify import credit_sql
from wallets.models import LedgerEntry, Wallet

SAMPLE = 10
W = Wallet._meta.db_table
E = LedgerEntry._meta.db_table

# Each check selects its violating rows; `{w}` / `{e}` are extra WHERE terms
# that scope wallets / entries to one business when asked.
CHECKS = [
    (
        "balance_matches_entries",
        "wallet balance == credits − debits, and last_sequence == number of entries",
        f"""
        SELECT w.id, w.customer_id, w.currency, w.balance, COALESCE(s.net, 0),
               w.last_sequence, COALESCE(s.n, 0)
          FROM {W} w
          LEFT JOIN (
                SELECT wallet_id,
                       SUM(CASE WHEN direction = 'credit' THEN amount ELSE -amount END) AS net,
                       COUNT(*) AS n
                  FROM {E} WHERE 1 = 1 {{e}}
                 GROUP BY wallet_id
               ) s ON s.wallet_id = w.id
         WHERE (w.balance <> COALESCE(s.net, 0) OR w.last_sequence <> COALESCE(s.n, 0)) {{w}}
        """,
        ["wallet", "customer", "currency", "balance", "credits−debits", "last_seq", "entries"],
    ),
    (
        "chain_is_continuous",
        "entries in sequence order: 1, 2, 3…; each starts at the previous balance_after "
        "(the first at 0) and ends at balance_before ± amount",
        f"""
        SELECT id, wallet_id, sequence, balance_before, balance_after, prev_sequence, prev_after
          FROM (
                SELECT id, wallet_id, sequence, direction, amount, balance_before, balance_after,
                       LAG(sequence) OVER win AS prev_sequence,
                       LAG(balance_after) OVER win AS prev_after
                  FROM {E} WHERE 1 = 1 {{e}}
                WINDOW win AS (PARTITION BY business_id, wallet_id ORDER BY sequence)
               ) c
         WHERE (prev_sequence IS NULL AND (sequence <> 1 OR balance_before <> 0))
            OR (prev_sequence IS NOT NULL
                AND (sequence <> prev_sequence + 1 OR balance_before <> prev_after))
            OR balance_after <> CASE WHEN direction = 'credit' THEN balance_before + amount
                                     ELSE balance_before - amount END
        """,
        ["entry", "wallet", "sequence", "before", "after", "prev_sequence", "prev_after"],
    ),
    (
        "created_order_is_sequence_order",
        "within a wallet, created_at never goes back as the sequence goes up",
        f"""
        SELECT id, wallet_id, sequence, created_at, prev_created_at
          FROM (
                SELECT id, wallet_id, sequence, created_at,
                       LAG(created_at) OVER (PARTITION BY business_id, wallet_id ORDER BY sequence)
                           AS prev_created_at
                  FROM {E} WHERE 1 = 1 {{e}}
               ) c
         WHERE created_at < prev_created_at
        """,
        ["entry", "wallet", "sequence", "created_at", "previous created_at"],
    ),
    (
        "no_negative_balance",
        "no wallet balance and no entry balance below zero; every amount above zero",
        f"""
        SELECT 'wallet', CAST(id AS VARCHAR(40)), balance FROM {W} w WHERE balance < 0 {{w}}
        UNION ALL
        SELECT 'entry', id,
               CASE WHEN amount <= 0 THEN amount WHEN balance_before < 0 THEN balance_before
                    ELSE balance_after END
          FROM {E}
         WHERE (balance_before < 0 OR balance_after < 0 OR amount <= 0) {{e}}
        """,
        ["kind", "id", "value"],
    ),
    (
        "entries_match_their_wallet",
        "each entry's business, customer and currency are its wallet's",
        f"""
        SELECT e.id, e.wallet_id FROM {E} e JOIN {W} w ON w.id = e.wallet_id
         WHERE (e.business_id <> w.business_id OR e.customer_id <> w.customer_id
                OR e.currency <> w.currency) {{e_alias}}
        """,
        ["entry", "wallet"],
    ),
]


@dataclass
class CheckResult:
    name: str
    description: str
    violations: int
    columns: list[str]
    samples: list[tuple] = field(default_factory=list)


@dataclass
class Report:
    wallets: int
    entries: int
    checks: list[CheckResult]
    credit_balances: int = 0
    credit_entries: int = 0

    @property
    def violations(self) -> int:
        return sum(check.violations for check in self.checks)

    @property
    def ok(self) -> bool:
        return self.violations == 0


def _sql(template: str, scoped: bool) -> str:
    sql = template.format(
        w="AND w.business_id = %(business)s" if scoped else "",
        e="AND business_id = %(business)s" if scoped else "",
        e_alias="AND e.business_id = %(business)s" if scoped else "",
    )
    return sql


def _count(cursor, table: str, where: str, params) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {table} {where}", params)
    return cursor.fetchone()[0]


def verify_ledgers(*, business_id: str | None = None) -> Report:
    """Run every check, wallets' and credits' (wallets.credits.verify); each returns
    its violation count and up to SAMPLE examples."""
    params = {"business": business_id}
    scoped = business_id is not None
    results = []
    with connection.cursor() as cursor:
        where = "WHERE business_id = %(business)s" if scoped else ""
        wallets = _count(cursor, W, where, params)
        entries = _count(cursor, E, where, params)
        credit_balances = _count(cursor, CreditBalance._meta.db_table, where, params)
        credit_entries = _count(cursor, CreditLedgerEntry._meta.db_table, where, params)
        checks = [(c, _sql) for c in CHECKS] + [(c, credit_sql) for c in CREDIT_CHECKS]
        for (name, description, template, columns), build in checks:
            sql = build(template, scoped)
            cursor.execute(f"SELECT v.*, COUNT(*) OVER () FROM ({sql}) v LIMIT {SAMPLE}", params)
            rows = cursor.fetchall()
            count = rows[0][-1] if rows else 0
            results.append(
                CheckResult(name, description, count, columns, [row[:-1] for row in rows])
            )
    return Report(
        wallets=wallets,
        entries=entries,
        checks=results,
        credit_balances=credit_balances,
        credit_entries=credit_entries,
    )
