from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # The webhook outbox listens to `customers.audit.event_recorded`.
        import_module("customers.webhooks.outbox")
