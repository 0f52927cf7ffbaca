"""Django admin lists and shows every billing and license model (read-only)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import (
    LicenseKeyInstanceFactory,
    PaymentFactory,
    RefundFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def test_admin_pages_for_billing_models(client, customer):
    admin = get_user_model().objects.create_superuser("root@example.com", "root@example.com", "pw")
    client.force_login(admin)
    payment = PaymentFactory(customer=customer)
    refund = RefundFactory(payment=payment)
    sub = SubscriptionFactory(customer=customer)
    instance = LicenseKeyInstanceFactory(license_key__customer=customer)
    objects = {
        "product": payment.product,
        "payment": payment,
        "refund": refund,
        "subscription": sub,
        "licensekey": instance.license_key,
        "licensekeyinstance": instance,
    }
    for name, obj in objects.items():
        assert client.get(reverse(f"admin:customers_{name}_changelist")).status_code == 200, name
        change = reverse(f"admin:customers_{name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200, name
    assert client.get(reverse("admin:customers_payment_add")).status_code == 403
