import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from customers.audit import Actor
from customers.models import LicenseKey, LicenseKeyInstance, Payment, Product, Subscription
from portal import services
from tests.factories import CustomerFactory


def make_product(business, **kw):
    defaults = dict(
        business=business,
        name="Pro plan",
        price=2000,
        currency="USD",
        is_recurring=True,
        payment_frequency_interval="Month",
        license_key_enabled=True,
    )
    return Product.objects.create(**{**defaults, **kw})


def make_payment(customer, product=None, **kw):
    defaults = dict(
        business=customer.business,
        customer=customer,
        product=product,
        status="succeeded",
        total_amount=2000,
        tax=0,
        currency="USD",
        pricing_type="one_time",
        payment_method="card",
        card_network="visa",
        card_last_four="4242",
    )
    return Payment.objects.create(**{**defaults, **kw})


def make_subscription(customer, product, **kw):
    now = timezone.now()
    defaults = dict(
        business=customer.business,
        customer=customer,
        product=product,
        status="active",
        recurring_pre_tax_amount=2000,
        currency="USD",
        payment_frequency_interval="Month",
        previous_billing_date=now - dt.timedelta(days=10),
        next_billing_date=now + dt.timedelta(days=20),
    )
    return Subscription.objects.create(**{**defaults, **kw})


def make_license(customer, product, **kw):
    defaults = dict(
        business=customer.business,
        customer=customer,
        product=product,
        key="db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0",
        activations_limit=3,
    )
    return LicenseKey.objects.create(**{**defaults, **kw})


def make_instance(key, name="MacBook Pro"):
    return LicenseKeyInstance.objects.create(business=key.business, license_key=key, name=name)


def portal_link(customer, **kw):
    """A fresh invite link URL path for the customer."""
    _link, url = services.portal_session_create(customer=customer, actor=Actor.system(), **kw)
    return urlsplit(url).path


@pytest.fixture
def portal_customer(business):
    return CustomerFactory(business=business, name="Min-jun Kim", email="minjun@example.com")


@pytest.fixture
def portal_client(client, portal_customer):
    """A test client signed in to the portal as portal_customer."""
    response = client.get(portal_link(portal_customer))
    assert response.status_code == 302
    return client
