from django.core.management.base import BaseCommand

from customers.billing.subscriptions import subscriptions_bill_due


class Command(BaseCommand):
    help = (
        "Renew every active subscription whose next billing date has passed: wallet first, "
        "then the payment gateway. Safe to run again (or twice at once): nothing is billed twice."
    )

    def handle(self, *args, **options):
        run = subscriptions_bill_due()
        self.stdout.write(
            f"{run.renewed} renewed, {run.failed} failed (on hold), "
            f"{run.cancelled} cancelled as scheduled, {run.skipped} skipped."
        )
