"""Setting up a merchant (customers.accounts.services)."""

import pytest

from customers.accounts.services import merchant_create
from customers.models import Business, Membership

pytestmark = pytest.mark.django_db


def test_merchant_create_is_idempotent_for_the_same_email(db):
    first, created = merchant_create(
        business_name="Acme", email="Owner@Acme.test", password="s3cret-pass-123"
    )
    assert created and first.role == Membership.Role.OWNER
    again, created_again = merchant_create(
        business_name="Acme", email="owner@acme.test", password="s3cret-pass-123"
    )
    assert not created_again and again.pk == first.pk
    assert Business.objects.count() == 1
