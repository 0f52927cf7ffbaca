from django.core.management.base import BaseCommand

from customers.billing.subscriptions import subscriptions_bill_due
from customers.core.timing import add_now_argument, parse_now


class Command(BaseCommand):
    help = (
        "Renew every active subscription whose next billing date has passed: wallet first, "
        "then the payment gateway. Safe to run again (or twice at once): nothing is billed "
        "twice. The worker's scheduler runs it every 15 minutes."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options):
        run = subscriptions_bill_due(now=parse_now(options["now"]))
        self.stdout.write(
            f"{run.renewed} renewed, {run.failed} failed (on hold, in dunning), "
            f"{run.cancelled} cancelled as scheduled, {run.skipped} skipped, "
            f"{run.pending} left for the reconciler."
        )
