"""Where a request's time goes between the client and the view (`loadtest --gap`).

Two measurements of the same routes, one client, one request at a time:

- On the wire: each request from Python's http.client over loopback to gunicorn, on a
  new connection (gunicorn's sync workers close it after every response). Timed: the
  TCP connect, the whole request to the last byte, and the app's own time, which
  `ServerTiming` (outermost in the load server's middleware) sends back in a
  `Server-Timing` header. What is left is gunicorn, WSGI and the loopback.
- In the process: the same request through Django's test client with a probe between
  every two middleware, so each middleware's own time (its time less the time of
  everything inside it) and the view's are read separately.
"""

import http.client
import statistics
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client, override_settings

TIMING_HEADER = "Server-Timing"


class ServerTiming:
    """The app's time for this request, from the outermost middleware, as
    `Server-Timing: app;dur=<ms>` (only in the load server's settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        response[TIMING_HEADER] = f"app;dur={(time.perf_counter() - start) * 1000:.3f}"
        return response


class _Probe:
    """Marks when the request enters and leaves the middleware below it."""

    slot = 0
    marks: dict[int, float] = {}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            _Probe.marks[self.slot] = time.perf_counter() - start


# One probe class per position (Django builds middleware from dotted paths).
PROBES = [type(f"Probe{n}", (_Probe,), {"slot": n}) for n in range(40)]
for _probe in PROBES:
    globals()[_probe.__name__] = _probe


@dataclass
class Wire:
    route: str
    total: list[float] = field(default_factory=list)
    connect: list[float] = field(default_factory=list)
    app: list[float] = field(default_factory=list)

    def row(self) -> tuple[str, float, float, float, float]:
        total, connect, app = (statistics.median(v) for v in (self.total, self.connect, self.app))
        return self.route, total, connect, app, total - connect - app


def on_the_wire(host: str, port: int, route: str, path: str, headers: dict, samples: int) -> Wire:
    wire = Wire(route)
    for _ in range(samples):
        start = time.perf_counter()
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.connect()
            connected = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            done = time.perf_counter()
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"{route}: {path} answered {response.status}")
        app = response.getheader(TIMING_HEADER, "app;dur=0").partition("dur=")[2]
        wire.total.append((done - start) * 1000)
        wire.connect.append((connected - start) * 1000)
        wire.app.append(float(app))
    return wire


def in_the_process(client, path: str, samples: int) -> list[tuple[str, float]]:
    """Each middleware's own time and the view's (p50, ms), outermost first, as the
    test client sees them with the production middleware."""
    names = list(settings.MIDDLEWARE)
    probed = []
    for n, name in enumerate(names):
        probed += [f"{__name__}.{PROBES[n].__name__}", name]
    probed.append(f"{__name__}.{PROBES[len(names)].__name__}")  # around the view
    own: dict[int, list[float]] = {n: [] for n in range(len(names) + 1)}
    with override_settings(MIDDLEWARE=probed):
        # A new client: one builds its middleware chain on its first request.
        probing = Client(**client.defaults)
        probing.cookies = client.cookies
        for attempt in range(samples + 2):
            _Probe.marks = {}
            response = probing.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code} in the process")
            if attempt < 2:  # warm-up
                continue
            marks = _Probe.marks
            for n in range(len(names) + 1):
                inner = marks.get(n + 1, 0.0)
                own[n].append((marks.get(n, 0.0) - inner) * 1000)
    labels = [name.rsplit(".", 1)[-1] for name in names] + ["view (URL, view, template)"]
    return [(labels[n], statistics.median(own[n])) for n in range(len(names) + 1)]
