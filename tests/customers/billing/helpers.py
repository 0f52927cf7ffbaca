"""Running billing services at once from separate connections (PostgreSQL races)."""

import threading
import time

from django.db import connection

from customers.billing.gateway import ChargeResult, PaymentMethod, RefundResult


def race(target, n: int = 2) -> list:
    """Run `target()` in n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


class SlowGateway:
    """Holds the payment lock a while, so the other request surely waits on it."""

    def refund(self, *, refund, idempotency_key):
        time.sleep(0.3)
        return RefundResult(status="succeeded")

    def charge(self, *, payment, amount, method, idempotency_key):
        time.sleep(0.3)
        return ChargeResult(True, method)


class Declines:
    def charge(self, *, payment, amount, method, idempotency_key):
        self.charged = amount
        return ChargeResult(False, PaymentMethod(), "card_declined", "The card was declined.")


class Records:
    """A gateway that accepts every charge and remembers what it was asked."""

    def charge(self, *, payment, amount, method, idempotency_key):
        self.asked = {"amount": amount, "method": method, "key": idempotency_key}
        self.asked["payment"] = payment
        return ChargeResult(True, method)
