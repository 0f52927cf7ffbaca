"""The payment gateway: where renewals are charged, refunds sent and methods saved.

A gateway is any object with the methods of `PaymentGateway`; `settings.PAYMENT_GATEWAY`
names the class. Every charge and refund carries an idempotency key: the same key
asked twice is answered with the first outcome and moves no money again, and
`charge_status` / `refund_status` tell what happened under a key (None: never
received) — what the reconciler asks after a crash.

The built-in gateway contacts no processor. It saves the well-known test cards and
UPI handles below (any expiry in the future, any holder) and answers charges by the
card's behaviour; it keeps what it was asked in `GatewayRecord`, the way a real
processor keeps it on its side. Decline codes are soft (worth retrying later) or
hard (retrying cannot help: a new method is needed).
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from customers.core.ids import new_id
from customers.models import GatewayRecord


@dataclass(frozen=True)
class PaymentMethod:
    """How a customer pays, as stored on a payment: card with network and last four, UPI…"""

    payment_method: str = ""  # "card", "upi", "wallet"
    payment_method_type: str = ""  # "visa", "upi_collect"
    card_network: str = ""
    card_last_four: str = ""
    token: str = ""  # the gateway's reference to a saved method, when charged by one


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    method: PaymentMethod
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    status: str  # a Refund.Status value: "succeeded", "pending", "failed"


@dataclass(frozen=True)
class SavedMethod:
    """What the gateway gives back for a method it saved: its token and the safe details."""

    token: str
    kind: str  # "card" or "upi"
    card_network: str = ""
    card_last_four: str = ""
    expiry_month: int | None = None
    expiry_year: int | None = None
    holder_name: str = ""
    issuing_country: str = ""
    upi_handle: str = ""


class MethodRefused(Exception):
    """The gateway would not save this method; `message` says why, for the form."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# Declines that a later retry cannot fix: dunning stops retrying at once.
HARD_DECLINES = frozenset(
    {"expired_card", "stolen_card", "lost_card", "invalid_account", "payment_method_missing"}
)


def is_hard_decline(error_code: str) -> bool:
    return error_code in HARD_DECLINES


class PaymentGateway(Protocol):
    def charge(
        self, *, payment, amount: int, method: PaymentMethod | None, idempotency_key: str
    ) -> ChargeResult:
        """Charge `amount` minor units of `payment.currency` to `method` (None: none on file)."""

    def refund(self, *, refund, idempotency_key: str) -> RefundResult:
        """Send `refund.amount` back to the payment's original method."""

    def charge_status(self, *, idempotency_key: str) -> ChargeResult | None:
        """What a charge under this key did, or None if the gateway never received it."""

    def refund_status(self, *, idempotency_key: str) -> RefundResult | None:
        """What a refund under this key did, or None if the gateway never received it."""

    def save_method(
        self,
        *,
        card_number: str = "",
        expiry_month: int | None = None,
        expiry_year: int | None = None,
        holder_name: str = "",
        upi_handle: str = "",
        now: dt.datetime | None = None,
    ) -> SavedMethod:
        """Save a card (number and expiry; the number never leaves this call) or a UPI
        handle; raise MethodRefused with a reason a customer can act on."""

    def delete_method(self, *, token: str) -> None:
        """Forget a saved method."""


# The built-in gateway's test cards: number → (network, issuing country, what a charge does).
TEST_CARDS = {
    "4242424242424242": ("visa", "US", ""),
    "5555555555554444": ("mastercard", "US", ""),
    "4000003560000008": ("visa", "IN", ""),
    "4000000000009995": ("visa", "US", "insufficient_funds"),
    "4000000000000002": ("visa", "US", "do_not_honor"),
    "4000000000000069": ("visa", "US", "expired_card"),
}
# Test UPI handles: handle → what a collect request does.
TEST_UPI = {"success@upi": "", "failure@upi": "insufficient_funds"}
DECLINE_MESSAGES = {
    "insufficient_funds": "The card has insufficient funds.",
    "do_not_honor": "The issuing bank declined the charge (do not honour).",
    "expired_card": "The card has expired.",
    "payment_method_missing": "No payment method on file.",
}
_UPI_PATTERN = re.compile(r"[a-z0-9.\-_]{2,64}@[a-z]{2,32}")
_TOKEN_PATTERN = re.compile(r"bgw\.([a-z_]*)\.")


class BuiltinGateway:
    """Charges and refunds without a processor, remembering each key (see the module)."""

    def charge(self, *, payment, amount, method, idempotency_key):
        known = self.charge_status(idempotency_key=idempotency_key)
        if known is not None:
            return known
        if method is None or not method.payment_method:
            return self._remember(idempotency_key, amount, "payment_method_missing", method)
        decline = ""
        if method.token:
            match = _TOKEN_PATTERN.match(method.token)
            decline = match.group(1) if match else "do_not_honor"
        return self._remember(idempotency_key, amount, decline, method)

    def refund(self, *, refund, idempotency_key):
        known = self.refund_status(idempotency_key=idempotency_key)
        if known is not None:
            return known
        self._record(idempotency_key, "refund", refund.amount, "")
        return RefundResult(status="succeeded")

    def charge_status(self, *, idempotency_key):
        record = GatewayRecord.objects.filter(
            idempotency_key=idempotency_key, kind="charge"
        ).first()
        if record is None:
            return None
        return self._result(record.succeeded, record.error_code, PaymentMethod())

    def refund_status(self, *, idempotency_key):
        record = GatewayRecord.objects.filter(
            idempotency_key=idempotency_key, kind="refund"
        ).first()
        if record is None:
            return None
        return RefundResult(status="succeeded" if record.succeeded else "failed")

    def save_method(
        self,
        *,
        card_number="",
        expiry_month=None,
        expiry_year=None,
        holder_name="",
        upi_handle="",
        now=None,
    ):
        now = now or timezone.now()
        if upi_handle:
            handle = upi_handle.strip().lower()
            if not _UPI_PATTERN.fullmatch(handle):
                raise MethodRefused("invalid_upi", _("Enter a UPI ID like name@bank."))
            if handle not in TEST_UPI:
                raise MethodRefused(
                    "unknown_test_method",
                    _("The test gateway accepts success@upi and failure@upi."),
                )
            return SavedMethod(
                token=f"bgw.{TEST_UPI[handle]}.{new_id('tok')}", kind="upi", upi_handle=handle
            )
        number = re.sub(r"[\s-]", "", card_number or "")
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise MethodRefused("invalid_number", _("Enter the card number (12 to 19 digits)."))
        if number not in TEST_CARDS:
            raise MethodRefused(
                "unknown_test_method", _("The test gateway accepts only the test card numbers.")
            )
        if not expiry_month or not expiry_year or not 1 <= expiry_month <= 12:
            raise MethodRefused("invalid_expiry", _("Enter the expiry month and year."))
        if (expiry_year, expiry_month) < (now.year, now.month):
            raise MethodRefused("expired_card", _("The card has expired."))
        network, country, decline = TEST_CARDS[number]
        return SavedMethod(
            token=f"bgw.{decline}.{new_id('tok')}",
            kind="card",
            card_network=network,
            card_last_four=number[-4:],
            expiry_month=expiry_month,
            expiry_year=expiry_year,
            holder_name=holder_name.strip()[:100],
            issuing_country=country,
        )

    def delete_method(self, *, token):
        return None  # nothing is kept on the built-in gateway's side

    # The built-in gateway's own memory: each key answered once.

    def _remember(self, key, amount, decline, method) -> ChargeResult:
        record = self._record(key, "charge", amount, decline)
        return self._result(record.succeeded, record.error_code, method or PaymentMethod())

    @staticmethod
    def _record(key, kind, amount, decline) -> GatewayRecord:
        try:
            with transaction.atomic():
                return GatewayRecord.objects.create(
                    idempotency_key=key,
                    kind=kind,
                    amount=amount,
                    succeeded=not decline,
                    error_code=decline,
                )
        except IntegrityError:  # the same key at once elsewhere: its answer stands
            return GatewayRecord.objects.get(idempotency_key=key)

    @staticmethod
    def _result(succeeded, error_code, method) -> ChargeResult:
        if succeeded:
            return ChargeResult(succeeded=True, method=method)
        return ChargeResult(
            succeeded=False,
            method=PaymentMethod() if error_code == "payment_method_missing" else method,
            error_code=error_code,
            error_message=DECLINE_MESSAGES.get(error_code, "The charge was declined."),
        )


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
