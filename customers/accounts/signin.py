"""Merchant and admin sign-in, throttled in the shared cache (README, Security).

Failed attempts count per account (the typed user name, folded) and per client IP;
at LOGIN_ATTEMPTS_PER_ACCOUNT or LOGIN_ATTEMPTS_PER_IP failures within
LOGIN_ATTEMPTS_WINDOW seconds, sign-in is refused — even with the right password —
until old failures leave the window, or (per account) a password reset. An attempt
is counted before the password is checked, so parallel guesses cannot slip past the
limit, and given back when it succeeds.

Why the shared cache rather than django-axes: the limiter, its shared Redis and the
client IP (TRUSTED_PROXY_COUNT) are the ones the API and the portal already use, one
rule set to configure and explain; and no authentication backend or per-failure
database write is added (axes also needs `request` in every `authenticate()`).
"""

import math
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from customers.core import ratelimit

# Password reset e-mails: per typed address and per client IP, in a window (seconds).
RESET_MAILS_PER_ADDRESS = 5
RESET_MAILS_PER_IP = 20
RESET_MAILS_WINDOW = 15 * 60

LOCKED_MESSAGE = _(
    "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or reset your password."
)


def account_key(username: str) -> str:
    return "signin-account:" + unicodedata.normalize("NFKC", username.strip()).casefold()


def account_unlock(username: str) -> None:
    """Forget an account's failures (after its password was reset)."""
    ratelimit.forget(account_key(username), window=settings.LOGIN_ATTEMPTS_WINDOW)


def password_reset_allowed(request, email: str) -> bool:
    """Whether this reset request may send mail (the way out must not mail-bomb)."""
    fold = unicodedata.normalize("NFKC", email.strip()).upper().casefold()
    return ratelimit.take_all(
        [
            ("reset-address:" + fold, RESET_MAILS_PER_ADDRESS, RESET_MAILS_WINDOW),
            (
                "reset-ip:" + ratelimit.ip_bucket(ratelimit.client_ip(request)),
                RESET_MAILS_PER_IP,
                RESET_MAILS_WINDOW,
            ),
        ]
    ).allowed


class ThrottledSignInMixin:
    """For Django's AuthenticationForm and its admin variant."""

    locked_for = 0  # seconds; set when sign-in was refused because of the limits

    @property
    def locked_minutes(self) -> int:
        return max(1, math.ceil(self.locked_for / 60)) if self.locked_for else 0

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        window = settings.LOGIN_ATTEMPTS_WINDOW
        counted = [
            ratelimit.take(
                account_key(username), limit=settings.LOGIN_ATTEMPTS_PER_ACCOUNT, window=window
            ),
            ratelimit.take(
                "signin-ip:" + ratelimit.ip_bucket(ratelimit.client_ip(self.request)),
                limit=settings.LOGIN_ATTEMPTS_PER_IP,
                window=window,
            ),
        ]
        refused = [v for v in counted if not v.allowed]
        if refused:
            for verdict in counted:
                if verdict.allowed:
                    ratelimit.give_back(verdict)
            self.locked_for = max(v.retry_after for v in refused)
            raise forms.ValidationError(
                LOCKED_MESSAGE, code="locked", params={"minutes": self.locked_minutes}
            )
        cleaned = super().clean()  # a wrong password raises: the failure stays counted
        for verdict in counted:
            ratelimit.give_back(verdict)
        return cleaned


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass
