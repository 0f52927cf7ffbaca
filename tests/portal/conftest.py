from urllib.parse import urlsplit

import pytest

from customers.audit import Actor
from portal import services
from tests.factories import (
    CustomerFactory,
    LicenseKeyFactory,
    LicenseKeyInstanceFactory,
    PaymentFactory,
    ProductFactory,
    SubscriptionFactory,
)


def make_product(business, **kw):
    """A $20.00 monthly "Pro plan" that issues license keys."""
    return ProductFactory(business=business, **{"recurring": True, "price": 2000, **kw})


def make_payment(customer, product=None, **kw):
    """A succeeded $20.00 one-time card payment (Visa ···· 4242, no card type on file)."""
    kw = {"total_amount": 2000, "payment_method_type": "", **kw}
    return PaymentFactory(customer=customer, product=product, **kw)


def make_subscription(customer, product, **kw):
    """An active $20.00 monthly subscription, ten days into its period."""
    kw = {"recurring_pre_tax_amount": 2000, **kw}
    return SubscriptionFactory(customer=customer, product=product, **kw)


def make_license(customer, product, **kw):
    kw = {"key": "db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0", **kw}
    return LicenseKeyFactory(customer=customer, product=product, **kw)


def make_instance(key, name="MacBook Pro"):
    return LicenseKeyInstanceFactory(license_key=key, name=name)


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
