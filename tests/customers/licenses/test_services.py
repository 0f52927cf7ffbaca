"""License key operations (customers.licenses.services)."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.core import errors
from customers.licenses import services as licenses
from customers.models import Event, LicenseKeyInstance
from tests.factories import LicenseKeyFactory, LicenseKeyInstanceFactory

pytestmark = pytest.mark.django_db


def test_disable_and_enable(customer, actor):
    key = LicenseKeyFactory(customer=customer)
    key = licenses.license_key_disable(license_key=key, actor=actor)
    assert (key.status, key.disabled_reason) == ("disabled", "manual")
    key = licenses.license_key_enable(license_key=key, actor=actor)
    assert (key.status, key.disabled_reason) == ("active", "")
    types = list(Event.objects.filter(object_id=key.pk).values_list("type", flat=True))
    assert sorted(types) == ["license_key.disabled", "license_key.enabled"]


def test_enabling_a_key_past_its_expiry_makes_it_expired(customer, actor):
    key = LicenseKeyFactory(
        customer=customer,
        status="disabled",
        disabled_reason="manual",
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    assert licenses.license_key_enable(license_key=key, actor=actor).status == "expired"


def test_activations_limit_never_below_current_instances(customer, actor):
    key = LicenseKeyFactory(customer=customer, activations_limit=5)
    LicenseKeyInstanceFactory.create_batch(3, license_key=key)
    with pytest.raises(errors.ActivationLimitLessThanCurrentAmount) as exc_info:
        licenses.license_key_set_activations_limit(
            license_key=key, activations_limit=2, actor=actor
        )
    assert exc_info.value.code == "ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT"
    key.refresh_from_db()
    assert key.activations_limit == 5
    key = licenses.license_key_set_activations_limit(
        license_key=key, activations_limit=3, actor=actor
    )
    assert key.activations_limit == 3
    key = licenses.license_key_set_activations_limit(
        license_key=key, activations_limit=None, actor=actor
    )
    assert key.activations_limit is None
    event = Event.objects.filter(type="license_key.updated").order_by("created_at").last()
    assert event.payload == {"activations_limit": [3, None]}


def test_deactivating_an_instance_frees_a_slot(customer, actor):
    key = LicenseKeyFactory(customer=customer)
    instance = LicenseKeyInstanceFactory(license_key=key)
    licenses.license_key_instance_deactivate(instance=instance, actor=actor)
    assert not LicenseKeyInstance.objects.exists()


def test_masked_key_and_effective_status(customer):
    key = LicenseKeyFactory(customer=customer, key="PRO-AAAA-BBBB-CCCC-DDDD")
    assert key.masked_key == "••••-••••-DDDD" and str(key) == key.masked_key
    key.expires_at = timezone.now() - dt.timedelta(seconds=1)
    assert key.effective_status == "expired"
