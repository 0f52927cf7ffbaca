import pytest

from customers.audit import Actor
from customers.webhooks.services import webhook_endpoint_create
from tests.customers.webhooks.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def allow_local(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True


def make_endpoint(business, url, **kwargs):
    return webhook_endpoint_create(
        business=business, actor=Actor.system("tests"), url=url, **kwargs
    )


@pytest.fixture
def endpoint(business, receiver, allow_local):
    return make_endpoint(business, receiver.url)
