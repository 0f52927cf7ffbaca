"""The POST itself: no private addresses (checked at delivery time), no redirects,
a capped read of the answer."""

import socket

import pytest

from customers.webhooks.network import RESPONSE_CAP, address_allowed, safe_post


@pytest.fixture
def strict(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
    ],
)
def test_private_and_reserved_addresses_are_refused(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address)


def test_a_loopback_url_is_refused_when_the_setting_is_off(receiver, strict):
    result = safe_post(receiver.url, body=b"{}", headers={})
    assert result.status_code is None and result.error.startswith("refused:")
    assert receiver.requests == []


def test_a_hostname_resolving_to_loopback_is_refused(receiver, strict, monkeypatch):
    """The name is resolved when the POST is made: a public-looking name whose DNS
    answer is 127.0.0.1 (rebinding) is refused too."""
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "hooks.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.server.server_port
    result = safe_post(f"http://hooks.example.com:{port}/x", body=b"{}", headers={})
    assert "private or reserved" in result.error
    assert receiver.requests == []


def test_one_private_address_among_public_ones_is_refused(strict, monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    assert "private" in safe_post("http://hooks.example.com/", body=b"", headers={}).error


def test_the_connection_goes_to_the_checked_address_with_the_host_header(
    receiver, allow_local, monkeypatch
):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1" if host == "hooks.test" else host, *a, **k),
    )
    port = receiver.server.server_port
    result = safe_post(f"http://hooks.test:{port}/in?x=1", body=b"{}", headers={"X-A": "1"})
    assert result.status_code == 200
    request = receiver.requests[0]
    assert request.path == "/in?x=1"
    assert request.headers["host"] == f"hooks.test:{port}"
    assert request.headers["x-a"] == "1"


def test_redirects_are_not_followed(receiver, allow_local):
    receiver.answers = [302]
    receiver.location = "http://127.0.0.1:9/elsewhere"
    result = safe_post(receiver.url, body=b"{}", headers={})
    assert result.status_code == 302 and not result.succeeded
    assert len(receiver.requests) == 1


def test_only_a_small_part_of_the_answer_is_read(receiver, allow_local):
    receiver.body = b"x" * 100_000
    result = safe_post(receiver.url, body=b"{}", headers={})
    assert result.succeeded
    assert len(result.excerpt) == RESPONSE_CAP


def test_unreachable_and_invalid_urls_are_failed_attempts_not_errors(allow_local):
    assert safe_post("http://127.0.0.1:9/", body=b"", headers={}).error
    assert safe_post("ftp://example.com/", body=b"", headers={}).error
    assert safe_post("http://no-such-host.invalid/", body=b"", headers={}).error
