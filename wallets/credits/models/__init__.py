"""Credit entitlements, grants, balances and the append-only credit ledger.

Design (the wallet ledger's rules, `wallets.models`, applied to credits):

* A `CreditEntitlement` is a merchant-defined unit ("API calls"). Its `precision`
  (0–3 decimals) is fixed at creation. Every amount is stored as an integer count of
  thousandths of a unit (`MILLI` per unit), so no float or rounding ever touches a
  balance; the API reads and writes decimal strings.
* A `CreditGrant` is one lot of credits given to one customer: `initial_amount`,
  `remaining_amount` (0 ≤ remaining ≤ initial), an optional `expires_at`. Debits
  consume grants FIFO by expiry (earliest `expires_at` first, never-expiring last,
  then oldest first). On PostgreSQL a trigger lets a grant's remaining amount only
  go down, its expired/rolled-over flags only go from false to true, and refuses
  DELETE (migration 0004).
* A `CreditBalance` is one customer's balance of one entitlement: `balance` (the
  sum of its grants' remaining amounts) and `overage` (credits spent beyond it,
  when the entitlement allows overage). Both are caches of the ledger, kept in step
  in one transaction and checked by `verify_ledgers`.
* A `CreditLedgerEntry` is one operation on a balance (a credit, a debit, an
  expiry, one side of a rollover). It records balance and overage before and after
  and its `sequence` in the balance's chain, exactly like a wallet entry. A debit
  that spans several grants is ONE entry with one `CreditAllocation` row per grant
  it took credits from (its splits): every decrease of a grant's remaining amount
  is an allocation, so `remaining = initial − Σ allocations` for every grant and
  `Σ allocations = (amount if credit else 0) − (balance_after − balance_before)`
  for every entry (a credit that repays overage allocates the repaid part from
  the grant it created). Entries and allocations are append-only (trigger).
* Only `wallets.credits.services` writes grants, balances, entries and
  allocations; see its docstring for locking and idempotency.
"""

from wallets.credits.models.auto_top_up import CreditAutoTopUp, CreditAutoTopUpRun
from wallets.credits.models.entitlements import (
    MAX_AMOUNT,
    MAX_PRECISION,
    MAX_STORED,
    MILLI,
    CreditEntitlement,
    GrantSource,
    OverageBehavior,
    ProductCredit,
    TransactionType,
)
from wallets.credits.models.ledger import (
    CreditAllocation,
    CreditBalance,
    CreditGrant,
    CreditLedgerEntry,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_PRECISION",
    "MAX_STORED",
    "MILLI",
    "CreditAllocation",
    "CreditAutoTopUp",
    "CreditAutoTopUpRun",
    "CreditBalance",
    "CreditEntitlement",
    "CreditGrant",
    "CreditLedgerEntry",
    "GrantSource",
    "OverageBehavior",
    "ProductCredit",
    "TransactionType",
]
