"""Benchmark webhook delivery against a floor: deliveries/s through the worker's code
to a local receiver, and the same HTTP POSTs from a plain loop.

The worker side runs in this process: `customers.webhooks.delivery.endpoint_send`,
the function the Celery task `webhook_endpoint_send` calls (lease, in-order head
query, signing, the address check, the POST, the attempt row and the delivery
update), without the broker hop. The floor POSTs the same bodies with the same
headers over a new connection each (as the worker does) with `http.client`, and
nothing else. Prints both rates and the ratio. Uses its own business and cleans up.
"""

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from customers.audit import Actor
from customers.models import Business, WebhookDelivery, WebhookMessage
from customers.webhooks.delivery import endpoint_send, request_headers
from customers.webhooks.services import webhook_endpoint_create

BENCH_BUSINESS = "Webhook bench"


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Command(BaseCommand):
    help = "Measure webhook deliveries/s through the worker's code against a plain POST loop."

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=500)

    def handle(self, *args, messages: int, **options):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/hooks"
        business, _created = Business.objects.get_or_create(name=BENCH_BUSINESS)
        try:
            with override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True):
                self._run(business, url, server.server_port, messages)
        finally:
            business.webhook_endpoints.all().delete()
            business.webhook_messages.all().delete()
            server.shutdown()
            server.server_close()

    def _queue(self, business, endpoint, count: int) -> list[WebhookMessage]:
        """Messages and deliveries as the outbox writes them (without enqueuing tasks)."""
        with transaction.atomic():
            rows = [
                WebhookMessage(
                    business=business,
                    type="customer.updated",
                    body=(
                        f'{{"business_id":"{business.pk}","type":"customer.updated",'
                        f'"timestamp":"{timezone.now().isoformat()}","data":{{"n":{n}}}}}'
                    ),
                )
                for n in range(count)
            ]
            WebhookMessage.objects.bulk_create(rows)
            now = timezone.now()
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(
                        business=business, endpoint=endpoint, message=m, next_attempt_at=now
                    )
                    for m in rows
                ]
            )
        return rows

    def _run(self, business, url: str, port: int, count: int) -> None:
        endpoint = webhook_endpoint_create(
            business=business, actor=Actor.system("bench_webhooks"), url=url
        )
        messages = self._queue(business, endpoint, count)

        # The floor: the same signed POSTs from a plain loop.
        now = timezone.now()
        prepared = [
            (m.body.encode(), request_headers(endpoint, msg_id=m.pk, body=m.body, now=now))
            for m in messages
        ]
        started = time.perf_counter()
        for body, headers in prepared:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            connection.request("POST", "/hooks", body=body, headers=headers)
            connection.getresponse().read(2048)
            connection.close()
        floor = time.perf_counter() - started

        # The worker's code path.
        started = time.perf_counter()
        endpoint_send(endpoint_id=endpoint.pk)
        while WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists():
            endpoint_send(endpoint_id=endpoint.pk)
        worker = time.perf_counter() - started
        delivered = WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").count()

        floor_rate, worker_rate = count / floor, delivered / worker
        self.stdout.write(f"messages:  {count} (delivered {delivered})")
        self.stdout.write(f"floor:     {floor_rate:8.1f} POST/s   ({floor:.2f} s, plain loop)")
        self.stdout.write(
            f"worker:    {worker_rate:8.1f} deliveries/s ({worker:.2f} s, in-process)"
        )
        self.stdout.write(f"ratio:     {worker_rate / floor_rate:.2f} of the floor")
