from django.core.management.base import BaseCommand

from customers.core.timing import add_now_argument, parse_now
from wallets.credits.alerts import credits_remind_expiring
from wallets.credits.expiry import credits_expire


class Command(BaseCommand):
    help = (
        "Close every credit grant due at --now (roll over the allowed share, expire the "
        "rest) and e-mail customers whose credits expire within 7 days. Safe to run "
        "again or twice at once. The worker's scheduler runs both."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options):
        now = parse_now(options["now"])
        closed = credits_expire(now=now)
        reminded = credits_remind_expiring(now=now)
        self.stdout.write(f"{closed} grants closed, {reminded} expiry reminders queued.")
