from importlib import import_module

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.core.checks import Tags, register
from django.utils.translation import gettext_lazy as _

from customers.accounts.sessions import session_started
from customers.core.checks import shared_cache_check


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        register(shared_cache_check, Tags.caches, deploy=True)
        user_logged_in.connect(session_started, dispatch_uid="customers.session_started")
        # The webhook outbox listens to `customers.audit.event_recorded`.
        import_module("customers.webhooks.outbox")
        # Each area's admin beside customers/admin.py (which is at its size limit).
        import_module("customers.notes.admin")
        import_module("customers.accounts.admin")
        import_module("customers.billing.admin")
        import_module("customers.lifecycle.admin")
        # Lifecycle e-mails to customers listen to it too.
        import_module("customers.billing.notifications")
        # Auto top-ups of credits start from a debit's `credit.deducted` Event.
        import_module("customers.billing.auto_top_up_trigger")
