"""`make mutation`: mutmut over the money, access and ledger services, one module at a
time, each against only its own tests (the whole suite per mutant would take hours
on two cores). Then the score table (tests/mutation_score.py).

    python tests/mutation.py [--jobs N] [--survivors] [module ...]

Modules are named as Python modules (wallets.services); default: all of MODULES.
`--survivors` runs again only the mutants the last run left alive: after new tests,
minutes instead of the whole module.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from mutation_score import SURVIVED
from mutmut import configuration
from mutmut.__main__ import _run

MODULES = {
    # With the timeline, which pages by keyset (KeysetPage, keyset_cursor, keyset_parse).
    "customers.core.pagination": [
        "tests/customers/core/test_pagination.py",
        "tests/customers/billing/test_tabs.py",
        "tests/customers/overview/test_timeline.py",
    ],
    "customers.accounts.api_keys": [
        "tests/customers/accounts/test_api_keys.py",
        "tests/api/test_api_keys.py",
        "tests/api/test_isolation.py",
    ],
    # With the refunds the reconciler finishes (test_dunning), their e-mails
    # (test_lifecycle) and top-up refunds (test_topups); test_crash needs PostgreSQL.
    "customers.billing.refunds": [
        "tests/customers/billing/test_refunds.py",
        "tests/customers/billing/test_refund_rules.py",
        "tests/customers/billing/test_views.py",
        "tests/customers/billing/test_dunning.py",
        "tests/customers/billing/test_crash.py",
        "tests/customers/emails/test_lifecycle.py",
        "tests/wallets/test_topups.py",
    ],
    "wallets.services": [
        "tests/wallets/test_services.py",
        "tests/wallets/test_models.py",
        "tests/wallets/test_stateful.py",
        "tests/wallets/test_entry_record.py",
        "tests/wallets/test_concurrency.py",  # PostgreSQL only
    ],
    "customers.billing.subscriptions": [
        "tests/customers/billing/test_subscriptions.py",
        "tests/customers/billing/test_cancellations.py",
    ],
    # Renewal charges (split from subscriptions: gateway calls outside the row lock).
    # answer_record and payment_paid are shared with purchases (test_purchases); the
    # crash tests need PostgreSQL (skipped on SQLite).
    "customers.billing.charges": [
        "tests/customers/billing/test_subscriptions.py",
        "tests/customers/billing/test_renewal_methods.py",
        "tests/customers/billing/test_dunning.py",
        "tests/customers/billing/test_purchases.py",
        "tests/customers/billing/test_recovery_views.py",
        "tests/customers/billing/test_plan_changes.py",
        "tests/customers/billing/test_subscription_changes.py",
        "tests/customers/billing/test_crash.py",
        "tests/customers/emails/test_lifecycle.py",
        "tests/wallets/credits/test_overage.py",
    ],
    # With the billing details a customer edits in the portal (portal_billing_update).
    "portal.services": ["tests/portal", "tests/customers/test_billing_details.py"],
}
STATS = Path("mutants/mutmut-stats.json")  # which tests run which function


def survivors(module: str) -> list[str]:
    """The module's mutants that the last run left alive (or that no test ran)."""
    meta = Path("mutants", *module.split(".")).with_suffix(".py.meta")
    if not meta.exists():
        return []
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return sorted(name for name, code in codes.items() if code in SURVIVED)


def run_one(module: str, jobs: int, only_survivors: bool = False) -> None:
    """mutmut's own run, with the test selection narrowed to the module's tests."""
    config = configuration.config()
    config.pytest_add_cli_args_test_selection = MODULES[module]
    # Each mutant is a fresh pytest session with its own test database: built from the
    # models it takes about 1.5 s, through the migrations about 15 s (SQLite). On
    # PostgreSQL the migrations stay: they create what the models cannot say (the
    # ledger's append-only triggers, partial indexes), which its tests check.
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        config.pytest_add_cli_args = [*config.pytest_add_cli_args, "--no-migrations"]
    names = survivors(module) if only_survivors else [f"{module}.*"]
    if names:
        _run(names, jobs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="run again only the mutants that survived the last run (after new tests)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.jobs, args.survivors)
        return 0
    for module in args.modules:
        STATS.unlink(missing_ok=True)  # collect which of this module's tests run what
        print(f"== {module}: {' '.join(MODULES[module])}", flush=True)
        again = ["--survivors"] if args.survivors else []
        one = ["--one", module, "--jobs", str(args.jobs), *again]
        subprocess.run([sys.executable, __file__, *one])
        subprocess.run([sys.executable, str(Path(__file__).with_name("mutation_score.py"))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
