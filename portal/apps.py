from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer portal")

    def ready(self):
        # Registers the "invite" bulk action (customers.bulk.actions).
        import_module("portal.bulk")
