from django.core.management.base import BaseCommand

from customers.billing.gateway import get_gateway
from customers.billing.recovery import dunning_retries_run
from customers.core.timing import add_now_argument, parse_now


class Command(BaseCommand):
    help = (
        "Retry failed renewals whose next retry has come (Dodo's schedule: 12h, 24h, 48h, "
        "72h, 96h, 120h, 7d, 7d) and cancel the subscriptions whose recovery window has "
        "ended. Safe to run again. The worker's scheduler runs it every 15 minutes."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options):
        run = dunning_retries_run(now=parse_now(options["now"]), gateway=get_gateway())
        self.stdout.write(
            f"{run['recovered']} recovered, {run['failed']} failed again, "
            f"{run['cancelled']} cancelled (window ended)."
        )
