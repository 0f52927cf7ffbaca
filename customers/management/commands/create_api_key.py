from django.core.management.base import BaseCommand, CommandError

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.models import Business


class Command(BaseCommand):
    help = "Create an API key for a business and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--business", required=True, help="The business's name")
        parser.add_argument("--name", default="Command-line key", help="A label for the key")
        parser.add_argument("--read-only", action="store_true", help="The key can only read")

    def handle(self, *args, business, name, read_only, **options):
        found = Business.objects.filter(name=business.strip()).first()
        if found is None:
            raise CommandError(f"No business named {business!r}.")
        key, raw = api_key_create(
            business=found, name=name, read_only=read_only, actor=Actor.system("create_api_key")
        )
        scope = "read-only" if read_only else "read-write"
        self.stderr.write(f"Created {scope} key {key.masked} ({key.pk}) for {found.name}:")
        self.stdout.write(raw)
