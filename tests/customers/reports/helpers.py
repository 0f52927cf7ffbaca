"""What the report tests share: the URLs, every column, and each customer's expected row
computed here in plain Python from the ORM objects, independently of the SQL in
customers.reports.columns."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Membership
from tests.factories import MembershipFactory

REPORT = reverse("customers:report")
CSV = reverse("customers:export_csv")
XLSX = reverse("customers:export_xlsx")
# Every report fixture is dated from NOW: noon UTC yesterday, a fixed point of the
# day rather than the moment of import, so no date the tests compute falls on the
# other side of a midnight that passes while the suite runs.
NOW = (timezone.now() - dt.timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
ALL_COLUMNS = [
    "name",
    "id",
    "email",
    "phone_number",
    "created_at",
    "updated_at",
    "preferred_locale",
    "metadata",
    "total_paid_usd",
    "total_paid_inr",
    "payments_count",
    "last_payment_at",
    "refunds_total_usd",
    "refunds_total_inr",
    "active_subscriptions",
    "wallet_balance_usd",
    "wallet_balance_inr",
    "portal_last_visit_at",
]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def iso(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def major(minor: int) -> str:
    return str((Decimal(minor) / 100).quantize(Decimal("0.01")))


def expected_row(customer: Customer) -> dict:
    """The row, computed in Python from the ORM objects themselves."""
    payments = list(customer.payments.all())
    refunds = list(customer.refunds.all())
    ok = [p for p in payments if p.status == "succeeded"]
    ok_refunds = [r for r in refunds if r.status == "succeeded"]
    wallets = {w.currency: w.balance for w in customer.wallets.all()}
    visits = [login.last_seen_at for login in customer.portal_logins.all()]

    def paid(currency):
        gross = sum(p.total_amount for p in ok if p.currency == currency)
        return gross - sum(r.amount for r in ok_refunds if r.currency == currency)

    def text(value):
        formula = value[:1] in ("=", "@", "\t", "\r") or (
            value[:1] in ("+", "-") and not re.fullmatch(r"[+-][0-9]+(\.[0-9]+)?", value)
        )
        return "'" + value if formula else value

    return {
        "name": text(customer.name),
        "id": customer.pk,
        "email": customer.email,
        "phone_number": text(customer.phone_number),
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "preferred_locale": customer.preferred_locale,
        "metadata": ('{"plan": "pro"}' if customer.metadata else ""),
        "total_paid_usd": major(paid("USD")),
        "total_paid_inr": major(paid("INR")),
        "payments_count": str(len(ok)),
        "last_payment_at": iso(max((p.created_at for p in ok), default=None)),
        "refunds_total_usd": major(sum(r.amount for r in ok_refunds if r.currency == "USD")),
        "refunds_total_inr": major(sum(r.amount for r in ok_refunds if r.currency == "INR")),
        "active_subscriptions": str(
            sum(1 for s in customer.subscriptions.all() if s.status == "active")
        ),
        "wallet_balance_usd": major(wallets.get("USD", 0)),
        "wallet_balance_inr": major(wallets.get("INR", 0)),
        "portal_last_visit_at": iso(max(visits, default=None)),
    }


def logged_in(client, business, role=Membership.Role.OWNER):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client
