import pytest
from django.urls import reverse

from tests.wallets.helpers import credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("ops@example.com", "ops@example.com", "pw")
    client.force_login(user)
    return client


def test_operators_can_read_wallets_and_ledgers(admin_client, customer):
    entry = credit(customer, 1234)
    assert admin_client.get(reverse("admin:wallets_wallet_changelist")).status_code == 200
    listing = admin_client.get(reverse("admin:wallets_ledgerentry_changelist"))
    assert listing.status_code == 200 and entry.pk in listing.content.decode()
    detail = admin_client.get(reverse("admin:wallets_ledgerentry_change", args=[entry.pk]))
    assert detail.status_code == 200


def test_ledgers_cannot_be_added_changed_or_deleted_in_admin(admin_client, customer):
    entry = credit(customer, 1234)
    assert admin_client.get(reverse("admin:wallets_ledgerentry_add")).status_code == 403
    assert admin_client.get(reverse("admin:wallets_wallet_add")).status_code == 403
    change = reverse("admin:wallets_ledgerentry_change", args=[entry.pk])
    response = admin_client.post(change, {"reason": "rewritten", "amount": "1"})
    assert response.status_code == 403
    delete = reverse("admin:wallets_ledgerentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.reason, entry.amount) == ("test credit", 1234)
