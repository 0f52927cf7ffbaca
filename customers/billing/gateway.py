"""The payment gateway: where renewals are charged and refunds are sent.

A gateway is any object with `charge()` and `refund()` as in `PaymentGateway`;
`settings.PAYMENT_GATEWAY` names the class. The built-in one contacts no
processor: it records a charge as paid with the method on file and a refund as
succeeded. A real processor's adapter (Stripe, Adyen…) implements the same two
methods and passes the idempotency key on, so a retried call is not charged twice.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PaymentMethod:
    """How a customer pays, as stored on a payment: card with network and last four, UPI…"""

    payment_method: str = ""  # "card", "upi", "wallet"
    payment_method_type: str = ""  # "visa", "upi_collect"
    card_network: str = ""
    card_last_four: str = ""


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    method: PaymentMethod
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    status: str  # a Refund.Status value: "succeeded", "pending", "failed"


class PaymentGateway(Protocol):
    def charge(
        self, *, payment, amount: int, method: PaymentMethod | None, idempotency_key: str
    ) -> ChargeResult:
        """Charge `amount` minor units of `payment.currency` to `method` (None: none on file)."""

    def refund(self, *, refund, idempotency_key: str) -> RefundResult:
        """Send `refund.amount` back to the payment's original method."""


class BuiltinGateway:
    """Records charges and refunds without contacting a processor.

    A charge succeeds when there is a payment method on file and fails with
    `payment_method_missing` when there is none; refunds succeed at once.
    """

    def charge(self, *, payment, amount, method, idempotency_key):
        if method is None or not method.payment_method:
            return ChargeResult(
                succeeded=False,
                method=PaymentMethod(),
                error_code="payment_method_missing",
                error_message="No payment method on file.",
            )
        return ChargeResult(succeeded=True, method=method)

    def refund(self, *, refund, idempotency_key):
        return RefundResult(status="succeeded")


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
