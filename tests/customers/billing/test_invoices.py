"""PDF invoices and refund receipts: real text, sequential numbers per business, gapless
even when taken at once (PostgreSQL)."""

import io
import threading

import pytest
from django.db import connection
from pypdf import PdfReader

from customers.audit import Actor
from customers.billing import invoices, pdf, refunds
from customers.models import InvoiceCounter
from tests.factories import BusinessFactory, CustomerFactory, PaymentFactory, ProductFactory

pytestmark = pytest.mark.django_db


def text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # pypdf puts a NUL before each glyph of a CID-keyed (CJK) font; the text is intact.
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def test_invoice_has_number_parties_lines_totals_and_method(business, customer):
    product = ProductFactory(business=business, name="Analytical Engine Pro")
    payment = PaymentFactory(customer=customer, product=product, total_amount=11000, tax=1000)
    content = text(invoices.invoice_pdf(payment=payment))
    for expected in (
        "Acme Corp",
        "INV-000001",
        payment.pk,
        "Ada Lovelace",
        "ada@example.com",
        customer.pk,
        "Analytical Engine Pro",
        "$100.00",  # subtotal
        "$10.00",  # tax
        "$110.00",  # total
        "Total (USD)",
        "Visa ···· 4242",
    ):
        assert expected in content, expected


def test_invoice_lists_refunds_and_net(customer, owner):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    refund = refunds.refund_create(
        payment=payment, amount=1000, reason="Late delivery", actor=Actor.user(owner)
    )
    content = text(invoices.invoice_pdf(payment=payment))
    assert "Refunds" in content and refund.pk in content
    assert "Amount refunded" in content and "$10.00" in content
    assert "Net paid" in content and "$15.00" in content


def test_refund_receipt(customer, owner):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    invoices.invoice_number_assign(payment=payment)
    refund = refunds.refund_create(
        payment=payment, amount=1000, reason="Late delivery", actor=Actor.user(owner)
    )
    content = text(invoices.refund_receipt_pdf(refund=refund))
    for expected in (
        "Refund receipt",
        refund.pk,
        payment.pk,
        "INV-000001",
        "Late delivery",
        "Partial refund",
        "$10.00",
        "$25.00",
        "Ada Lovelace",
        "Original payment method",
    ):
        assert expected in content, expected


def test_invoice_numbers_are_sequential_per_business_and_stable(business, other_business, customer):
    first, second = PaymentFactory(customer=customer), PaymentFactory(customer=customer)
    elsewhere = PaymentFactory(customer=CustomerFactory(business=other_business))
    assert invoices.invoice_number_assign(payment=first) == 1
    assert invoices.invoice_number_assign(payment=second) == 2
    assert invoices.invoice_number_assign(payment=first) == 1  # once given, kept
    assert invoices.invoice_number_assign(payment=elsewhere) == 1
    assert InvoiceCounter.objects.get(business=business).last_number == 2


def test_failed_payments_get_no_number(customer):
    payment = PaymentFactory(customer=customer, status="failed")
    assert invoices.invoice_number_assign(payment=payment) == 0
    assert "INV-" not in text(invoices.invoice_pdf(payment=payment))


def test_inr_and_korean_names_are_real_text(business):
    customer = CustomerFactory(business=business, name="김민준", email="minjun@example.kr")
    payment = PaymentFactory(customer=customer, total_amount=12345600, currency="INR")
    content = text(invoices.invoice_pdf(payment=payment))
    assert "1,23,456.00" in content
    if pdf.fonts()[1] is not None:  # a CJK font is installed
        assert "김민준" in content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_invoice_numbers_taken_at_once_are_distinct_and_gapless():
    business = BusinessFactory(name="Invoices Co")
    customer = CustomerFactory(business=business)
    payments = PaymentFactory.create_batch(6, customer=customer)
    barrier = threading.Barrier(len(payments))
    numbers = []

    def number(p):
        try:
            barrier.wait(timeout=10)
            numbers.append(invoices.invoice_number_assign(payment=p))
        finally:
            connection.close()

    threads = [threading.Thread(target=number, args=(p,)) for p in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
