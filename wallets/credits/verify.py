"""Credit ledger verification in set-based SQL (run by `manage.py verify_ledgers`
after the wallet checks, and at the end of `manage.py bench_credits`).

Every balance against its grants and its ledger chain, every grant against the
allocations that spent it, every entry against its allocations. `wallets.verify`
runs these beside the wallet checks: the database does the scanning and returns
counts and samples.
"""

from wallets.credits.models import (
    CreditAllocation,
    CreditBalance,
    CreditGrant,
    CreditLedgerEntry,
    TransactionType,
)

B = CreditBalance._meta.db_table
G = CreditGrant._meta.db_table
E = CreditLedgerEntry._meta.db_table
A = CreditAllocation._meta.db_table
# Entries that settle overage without a grant (wallets.credits.overage).
SETTLEMENTS = (
    f"('{TransactionType.OVERAGE_CHARGED.value}', '{TransactionType.OVERAGE_RESET.value}')"
)

# `{b}`, `{g}`, `{e}`: extra WHERE terms scoping balances, grants, entries to a business.
CHECKS = [
    (
        "credit_balance_matches_grants",
        "credit balance == Σ remaining of its grants",
        f"""
        SELECT b.id, b.balance, COALESCE(s.remaining, 0)
          FROM {B} b
          LEFT JOIN (SELECT credit_balance_id, SUM(remaining_amount) AS remaining
                       FROM {G} WHERE 1 = 1 {{g}} GROUP BY credit_balance_id) s
            ON s.credit_balance_id = b.id
         WHERE b.balance <> COALESCE(s.remaining, 0) {{b}}
        """,
        ["balance", "balance", "Σ remaining"],
    ),
    (
        "credit_balance_matches_ledger",
        "balance, overage and last_sequence == the last entry's balance_after, "
        "overage_after and sequence (0 without entries)",
        f"""
        SELECT b.id, b.balance, b.overage, b.last_sequence,
               COALESCE(e.balance_after, 0), COALESCE(e.overage_after, 0), COALESCE(n.n, 0)
          FROM {B} b
          LEFT JOIN (SELECT credit_balance_id, COUNT(*) AS n FROM {E} WHERE 1 = 1 {{e}}
                      GROUP BY credit_balance_id) n ON n.credit_balance_id = b.id
          LEFT JOIN {E} e ON e.credit_balance_id = b.id AND e.sequence = b.last_sequence
                         AND e.business_id = b.business_id
         WHERE (b.last_sequence <> COALESCE(n.n, 0)
                OR b.balance <> COALESCE(e.balance_after, 0)
                OR b.overage <> COALESCE(e.overage_after, 0)) {{b}}
        """,
        ["balance", "balance", "overage", "last_seq", "last after", "last overage", "entries"],
    ),
    (
        "credit_chain_is_continuous",
        "entries in sequence order 1, 2, 3…; each starts where the previous ended "
        "(balance and overage; the first at 0) and moves exactly its amount",
        f"""
        SELECT id, credit_balance_id, sequence, balance_before, prev_after
          FROM (SELECT id, credit_balance_id, sequence, is_credit, amount,
                       balance_before, balance_after, overage_before, overage_after,
                       LAG(sequence) OVER win AS prev_sequence,
                       LAG(balance_after) OVER win AS prev_after,
                       LAG(overage_after) OVER win AS prev_overage
                  FROM {E} WHERE 1 = 1 {{e}}
                WINDOW win AS (PARTITION BY business_id, credit_balance_id ORDER BY sequence)) c
         WHERE (prev_sequence IS NULL
                AND (sequence <> 1 OR balance_before <> 0 OR overage_before <> 0))
            OR (prev_sequence IS NOT NULL AND (sequence <> prev_sequence + 1
                OR balance_before <> prev_after OR overage_before <> prev_overage))
            OR amount <= 0 OR balance_after < 0 OR overage_after < 0
            OR amount <> CASE WHEN is_credit
                              THEN balance_after - balance_before + overage_before - overage_after
                              ELSE balance_before - balance_after + overage_after - overage_before
                         END
        """,
        ["entry", "balance", "sequence", "before", "previous after"],
    ),
    (
        "credit_grant_matches_allocations",
        "grant remaining == initial − Σ allocations from it, within 0…initial",
        f"""
        SELECT g.id, g.initial_amount, g.remaining_amount, COALESCE(s.spent, 0)
          FROM {G} g
          LEFT JOIN (SELECT grant_id, SUM(amount) AS spent FROM {A} WHERE 1 = 1 {{a}}
                      GROUP BY grant_id) s ON s.grant_id = g.id
         WHERE (g.remaining_amount <> g.initial_amount - COALESCE(s.spent, 0)
                OR g.remaining_amount < 0 OR g.remaining_amount > g.initial_amount
                OR (g.is_expired AND g.remaining_amount <> 0)) {{g_alias}}
        """,
        ["grant", "initial", "remaining", "Σ allocations"],
    ),
    (
        "credit_grant_has_its_credit",
        "every grant was created by one credit entry of its initial amount",
        f"""
        SELECT g.id, g.initial_amount, COUNT(e.id), MAX(e.amount)
          FROM {G} g
          LEFT JOIN {E} e ON e.grant_id = g.id AND e.is_credit
         WHERE 1 = 1 {{g_alias}}
         GROUP BY g.id, g.initial_amount
        HAVING COUNT(e.id) <> 1 OR MAX(e.amount) <> g.initial_amount
        """,
        ["grant", "initial", "credit entries", "their amount"],
    ),
    (
        "credit_entry_matches_allocations",
        "Σ allocations of an entry == (amount if credit else 0) − (balance_after − "
        "balance_before): what left the grants is what left the balance (an overage "
        "settlement takes from no grant: 0)",
        f"""
        SELECT e.id, e.amount, e.balance_before, e.balance_after, COALESCE(s.taken, 0)
          FROM {E} e
          LEFT JOIN (SELECT entry_id, SUM(amount) AS taken FROM {A} WHERE 1 = 1 {{a}}
                      GROUP BY entry_id) s ON s.entry_id = e.id
         WHERE COALESCE(s.taken, 0) <> CASE WHEN e.transaction_type IN {SETTLEMENTS} THEN 0
                                            WHEN e.is_credit THEN e.amount ELSE 0 END
                                       - (e.balance_after - e.balance_before) {{e_alias}}
        """,
        ["entry", "amount", "before", "after", "Σ allocations"],
    ),
    (
        "credit_overage_settlement_shape",
        "an overage_charged or overage_reset entry is a credit that only lowers the "
        "overage: balance unchanged, no grant, and no other entry type does that",
        f"""
        SELECT e.id, e.transaction_type, e.is_credit, e.balance_before, e.balance_after,
               e.overage_before, e.overage_after
          FROM {E} e
         WHERE ((e.transaction_type IN {SETTLEMENTS}
                 AND (NOT e.is_credit OR e.balance_after <> e.balance_before
                      OR e.grant_id IS NOT NULL OR e.overage_after >= e.overage_before))
            OR (e.transaction_type NOT IN {SETTLEMENTS} AND e.is_credit
                AND e.grant_id IS NULL)) {{e_alias}}
        """,
        ["entry", "type", "credit", "before", "after", "overage before", "overage after"],
    ),
    (
        "credit_rows_match_their_balance",
        "each grant's and entry's business, customer and entitlement are its balance's",
        f"""
        SELECT 'grant', g.id FROM {G} g JOIN {B} b ON b.id = g.credit_balance_id
         WHERE (g.business_id <> b.business_id OR g.customer_id <> b.customer_id
                OR g.entitlement_id <> b.entitlement_id) {{g_alias}}
        UNION ALL
        SELECT 'entry', e.id FROM {E} e JOIN {B} b ON b.id = e.credit_balance_id
         WHERE (e.business_id <> b.business_id OR e.customer_id <> b.customer_id
                OR e.entitlement_id <> b.entitlement_id) {{e_alias}}
        """,
        ["kind", "id"],
    ),
]


def credit_sql(template: str, scoped: bool) -> str:
    term = "AND {}business_id = %(business)s"
    return template.format(
        b=term.format("b.") if scoped else "",
        g=term.format("") if scoped else "",
        e=term.format("") if scoped else "",
        a=term.format("") if scoped else "",
        g_alias=term.format("g.") if scoped else "",
        e_alias=term.format("e.") if scoped else "",
    )
