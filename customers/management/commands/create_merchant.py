from django.core.management.base import BaseCommand, CommandError

from customers.accounts.services import merchant_create


class Command(BaseCommand):
    help = "Create a business and its owner login (does nothing new for the same e-mail)."

    def add_arguments(self, parser):
        parser.add_argument("--business", required=True, help="The business's name")
        parser.add_argument("--email", required=True, help="The owner's e-mail (their login)")
        parser.add_argument("--password", required=True, help="The owner's password")
        parser.add_argument(
            "--country",
            default="",
            help="The business's country, ISO 3166 (KR): phone numbers in its national format",
        )

    def handle(self, *args, business, email, password, country="", **options):
        if "@" not in email:
            raise CommandError(f"{email!r} is not an e-mail address.")
        membership, created = merchant_create(
            business_name=business, email=email, password=password, country=country
        )
        verb = "Created" if created else "Already set up:"
        self.stdout.write(
            f"{verb} {membership.business.name} ({membership.business_id}) "
            f"with {membership.user.get_username()} as {membership.role}."
        )
