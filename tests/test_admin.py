"""Operators see every model in Django admin; ledgers and money rows are read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
APPS = ("customers", "wallets", "portal")


def our_models():
    return [m for label in APPS for m in apps.get_app_config(label).get_models()]


def test_every_model_is_in_admin():
    missing = [m.__name__ for m in our_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_every_changelist_opens(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    for model in our_models():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


READ_ONLY = [
    "LedgerEntry",
    "Wallet",
    "Event",
    "Payment",
    "Refund",
    "PortalLink",
    "ApiKey",
    "CreditLedgerEntry",
    "CreditGrant",
    "CreditBalance",
]


@pytest.mark.parametrize("name", READ_ONLY)
def test_money_and_audit_rows_are_read_only(rf, name):
    model = next(m for m in our_models() if m.__name__ == name)
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
