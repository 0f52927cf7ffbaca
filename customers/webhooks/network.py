"""One webhook POST that cannot be pointed at our own network.

The host is resolved when the POST is made (not when the URL was saved), every
address it resolves to is checked, and the connection goes to the checked address
itself (with the name kept for the `Host` header and, for HTTPS, for SNI and the
certificate check), so a DNS answer that changes between check and connect (DNS
rebinding) cannot slip through. Loopback, private, link-local (cloud metadata
services), shared, reserved, multicast and unspecified addresses are refused unless
`WEBHOOKS_ALLOW_PRIVATE_NETWORKS` (default: DEBUG). Redirects are not followed (a
3xx is a failed attempt), and at most `RESPONSE_CAP` bytes of the answer are read.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass

import certifi
import urllib3
from django.conf import settings

RESPONSE_CAP = 2048  # bytes of the receiver's answer we read and keep


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no HTTP answer (refused, DNS, connect, timeout)
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class RefusedAddress(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to now (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_address(host: str, port: int, *, allow_private: bool) -> str:
    addresses = resolve(host, port)
    if not addresses:
        raise RefusedAddress(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if not address_allowed(address):
                raise RefusedAddress(
                    f"{host} resolves to a private or reserved address; "
                    "WEBHOOKS_ALLOW_PRIVATE_NETWORKS is off"
                )
    return addresses[0]


def _pool(scheme: str, address: str, host: str, port: int, timeout: float):
    options = {
        "timeout": urllib3.Timeout(total=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **options,
        )
    return urllib3.HTTPConnectionPool(address, port, **options)


def safe_post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float | None = None,
    allow_private: bool | None = None,
) -> PostResult:
    """POST `body` to `url`; never raises for what the network or receiver does."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    if allow_private is None:
        allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS
    started = time.monotonic()

    def result(status=None, excerpt="", error="") -> PostResult:
        elapsed = int((time.monotonic() - started) * 1000)
        return PostResult(status, excerpt, error[:500], elapsed)

    try:
        parts = urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError:
        return result(error="invalid URL")
    if parts.scheme not in ("http", "https") or not parts.host:
        return result(error="only http and https URLs are delivered")
    host = parts.host.strip("[]")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = checked_address(host, port, allow_private=allow_private)
    except RefusedAddress as exc:
        return result(error=f"refused: {exc}")
    default_port = port == (443 if parts.scheme == "https" else 80)
    host_header = parts.host if default_port else f"{parts.host}:{port}"
    pool = _pool(parts.scheme, address, host, port, timeout)
    try:
        response = pool.urlopen(
            "POST",
            parts.request_uri,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            excerpt = response.read(RESPONSE_CAP, decode_content=False)
        except urllib3.exceptions.HTTPError:
            excerpt = b""
        return result(response.status, excerpt.decode("utf-8", "replace"))
    except urllib3.exceptions.HTTPError as exc:
        return result(error=f"{type(exc).__name__}: {exc}")
    except OSError as exc:
        return result(error=f"{type(exc).__name__}: {exc}")
    finally:
        pool.close()
