from django.core.management.base import BaseCommand

from customers.billing.gateway import get_gateway
from customers.billing.recovery import gateway_attempts_reconcile
from customers.core.timing import add_now_argument, parse_now


class Command(BaseCommand):
    help = (
        "Finish the charges and refunds left pending (a crash between the gateway call and "
        "the recording of its outcome) by asking the gateway what happened under each "
        "idempotency key. The worker's scheduler runs it every 5 minutes."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options):
        done = gateway_attempts_reconcile(now=parse_now(options["now"]), gateway=get_gateway())
        self.stdout.write(f"{done} attempts finished.")
