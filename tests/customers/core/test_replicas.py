"""The replica router's rules, in process (the real replica: tests/test_replica.py)."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from customers.core import replicas
from customers.models import Customer

router = replicas.ReplicaRouter()


def test_reads_go_to_the_replica_only_inside_a_marked_view(monkeypatch):
    monkeypatch.setattr(replicas, "configured", lambda: True)
    monkeypatch.setattr(replicas, "healthy", lambda: True)
    seen = []

    @replicas.replica_reads
    def view(request):
        seen.append(router.db_for_read(Customer))
        return HttpResponse()

    assert router.db_for_read(Customer) == "default"
    view(RequestFactory().get("/customers/"))
    view(RequestFactory().post("/customers/"))  # not a read
    pinned = RequestFactory().get("/customers/")
    pinned.COOKIES[replicas.PIN_COOKIE] = "1"  # this browser has just written
    view(pinned)
    assert seen == ["replica", "default", "default"]
    assert router.db_for_write(Customer) == "default"
    assert router.allow_migrate("replica", "customers") is False


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(monkeypatch):
    monkeypatch.setattr(replicas, "configured", lambda: True)
    monkeypatch.setattr(replicas, "healthy", lambda: True)

    @replicas.replica_reads
    def view(request):
        with transaction.atomic():
            return HttpResponse(router.db_for_read(Customer))

    assert view(RequestFactory().get("/")).content == b"default"


def test_an_unhealthy_replica_is_not_used(monkeypatch):
    monkeypatch.setattr(replicas, "configured", lambda: True)
    monkeypatch.setattr(replicas, "healthy", lambda: False)

    @replicas.replica_reads
    def view(request):
        return HttpResponse(router.db_for_read(Customer))

    assert view(RequestFactory().get("/")).content == b"default"


@pytest.mark.django_db
def test_without_a_replica_nothing_changes(client):
    assert not replicas.configured()
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert replicas.PIN_COOKIE not in response.cookies
