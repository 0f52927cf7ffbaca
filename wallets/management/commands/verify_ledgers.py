import sys

from django.core.management.base import BaseCommand

from wallets.verify import verify_ledgers


class Command(BaseCommand):
    help = (
        "Check every wallet's ledger with set-based SQL: balance == credits − debits, "
        "a continuous before/after chain, no negative balance; and every credit balance "
        "against its grants and ledger. Exits 1 on any violation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--business", default=None, help="Only this business ID (bus_…)")

    def handle(self, *args, business, **options):
        report = verify_ledgers(business_id=business)
        write_report(self, report)
        if not report.ok:
            sys.exit(1)


def write_report(command: BaseCommand, report) -> None:
    out, style = command.stdout, command.style
    out.write(
        f"Checked {report.wallets:,} wallets and {report.entries:,} ledger entries; "
        f"{report.credit_balances:,} credit balances and {report.credit_entries:,} credit "
        "ledger entries."
    )
    for check in report.checks:
        mark = style.SUCCESS("ok  ") if not check.violations else style.ERROR("FAIL")
        out.write(f"  {mark} {check.name}: {check.description}")
        if check.violations:
            out.write(f"       {check.violations:,} violation(s); first ones:")
            out.write("       " + " | ".join(check.columns))
            for row in check.samples:
                out.write("       " + " | ".join(str(v) for v in row))
    if report.ok:
        out.write(style.SUCCESS("No violations."))
    else:
        out.write(style.ERROR(f"{report.violations:,} violation(s) found."))
