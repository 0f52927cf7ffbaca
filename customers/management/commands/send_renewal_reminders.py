from django.core.management.base import BaseCommand

from customers.billing.reminders import renewal_reminders_send
from customers.core.timing import add_now_argument, parse_now


class Command(BaseCommand):
    help = (
        "E-mail customers whose subscription renews within their business's reminder "
        "window (Settings → Customer e-mails; 3 days by default). Safe to run again: each "
        "billing date is announced once. The worker's scheduler runs it every hour."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options):
        sent = renewal_reminders_send(now=parse_now(options["now"]))
        self.stdout.write(f"{sent} upcoming-renewal e-mails queued.")
