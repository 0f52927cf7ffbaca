"""The customer table's money and activity columns (total paid, refunded, wallet
balance, active subscriptions, last payment): what they show, that the page stays
one query, and how they export."""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from customers.core.formatting import utc
from customers.models import TablePreference
from tests.factories import CustomerFactory, PaymentFactory, RefundFactory, SubscriptionFactory
from wallets.services import ledger_post

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


FIGURES = "name,total_paid,refunded,wallet_balance,active_subscriptions,last_payment_at"


def _cells(response, customer) -> dict[str, str]:
    """The shown text of each cell of one customer's row, by column name."""
    table = response.context["table"]
    row = next(r for r in table.paginated_rows if r.record.pk == customer.pk)
    return {
        c.name: " ".join(strip_tags(str(cell).replace("><", "> <")).split())
        for c, cell in row.items()
    }


def test_money_columns_show_the_kept_figures_per_currency(owner_client, customer, actor):
    paid = PaymentFactory(customer=customer, total_amount=5000)
    PaymentFactory(customer=customer, total_amount=2000)
    PaymentFactory(customer=customer, total_amount=9900, status="failed")
    last = PaymentFactory(customer=customer, total_amount=150000, currency="INR")
    RefundFactory(payment=paid, amount=1200)
    SubscriptionFactory(customer=customer)
    ledger_post(
        business=customer.business,
        customer=customer,
        currency="USD",
        amount=750,
        direction="credit",
        event_type="merchant_adjustment",
        reason="goodwill",
        actor=actor,
    )
    quiet = CustomerFactory(business=customer.business, name="Never Paid")

    response = owner_client.get(LIST, {"columns": FIGURES})
    cells = _cells(response, customer)
    # Net of the refund, failed payments left out, each currency on its own line.
    assert cells["total_paid"] == "$58.00 ₹1,500.00"
    assert cells["refunded"] == "$12.00"
    assert cells["wallet_balance"] == "$7.50"
    assert cells["active_subscriptions"] == "1"
    assert cells["last_payment_at"] == utc(last.created_at)
    assert _cells(response, quiet) == {
        "name": _cells(response, quiet)["name"],
        "total_paid": "—",
        "refunded": "—",
        "wallet_balance": "—",
        "active_subscriptions": "—",
        "last_payment_at": "—",
    }


def test_money_columns_keep_the_page_one_query(
    owner_client, business, django_assert_max_num_queries
):
    for c in CustomerFactory.create_batch(3, business=business):
        PaymentFactory(customer=c)
    with django_assert_max_num_queries(8) as plain:
        owner_client.get(LIST)
    for c in CustomerFactory.create_batch(40, business=business):
        PaymentFactory(customer=c)
    with django_assert_max_num_queries(len(plain.captured_queries)):
        owner_client.get(LIST, {"per_page": "50", "columns": FIGURES})


def test_money_columns_export_as_their_report_columns(owner_client, customer):
    PaymentFactory(customer=customer, total_amount=4200)
    html = owner_client.get(LIST, {"columns": "name,total_paid,active_subscriptions"})
    body = html.content.decode()
    assert "columns=name,total_paid_usd,total_paid_inr,active_subscriptions" in body
    csv = owner_client.get(
        reverse("customers:export_csv"),
        {"columns": "name,total_paid_usd,total_paid_inr,active_subscriptions"},
    )
    text = b"".join(csv.streaming_content).decode()
    assert "42.00" in text and customer.name in text


def test_money_columns_can_be_chosen_in_edit_columns(owner_client, owner):
    body = owner_client.get(LIST).content.decode()
    for label in ("Total paid", "Refunded", "Wallet balance", "Active subscriptions"):
        assert label in body
    owner_client.post(
        reverse("customers:columns"),
        {"columns": ["name", "total_paid"], "order": "name,total_paid"},
    )
    assert TablePreference.objects.get(user=owner).columns == ["name", "total_paid"]
