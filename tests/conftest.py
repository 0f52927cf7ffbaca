import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from customers.models import Membership
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL to run it)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters (and anything else cached) never leak from one test to the
    next, whatever order the tests run in."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_first():
    """Each test starts in English: a request in Korean leaves its language active in
    the thread, which would otherwise leak into the next test."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def business(db):
    return BusinessFactory(name="Acme Corp")


@pytest.fixture
def other_business(db):
    return BusinessFactory(name="Globex")


@pytest.fixture
def owner(business):
    return MembershipFactory(business=business, role=Membership.Role.OWNER).user


@pytest.fixture
def viewer(business):
    return MembershipFactory(business=business, role=Membership.Role.VIEWER).user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def customer(business):
    return CustomerFactory(business=business, name="Ada Lovelace", email="ada@example.com")
