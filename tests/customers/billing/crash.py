"""Gateways that kill their own process (SIGKILL: no cleanup, no except, no commit)
at a chosen step, for the crash tests; named by PAYMENT_GATEWAY in the child's env."""

import os
import signal

from customers.billing.gateway import BuiltinGateway


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


class DiesAfterCharging(BuiltinGateway):
    """The processor charged the card (its record is written); the process dies before
    the outcome reaches our database."""

    def charge(self, **kwargs):
        super().charge(**kwargs)
        _die()

    def refund(self, **kwargs):
        super().refund(**kwargs)
        _die()


class DiesBeforeCharging(BuiltinGateway):
    """The process dies after the pending attempt was committed, before the call."""

    def charge(self, **kwargs):
        _die()
