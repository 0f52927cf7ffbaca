"""Bold text in PDFs is real text in every language: the totals of a Korean and an
English invoice and refund receipt extract as the formatted amounts (issue 15, item 1:
Korean bold amounts used to print as "p0y_qYUU")."""

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from customers.audit import Actor
from customers.billing import invoices, pdf, refunds
from tests.factories import CustomerFactory, PaymentFactory, ProductFactory

pytestmark = pytest.mark.django_db


def text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


@pytest.fixture
def refunded_payment(business, owner):
    customer = CustomerFactory(business=business, name="김민준")
    product = ProductFactory(business=business, name="분석 엔진 프로")
    payment = PaymentFactory(customer=customer, product=product, total_amount=11000, tax=1000)
    refund = refunds.refund_create(
        payment=payment, amount=1000, reason="배송 지연", actor=Actor.user(owner)
    )
    return payment, refund


@pytest.mark.parametrize(
    ("language", "total", "net", "partial"),
    [
        ("en", "Total (USD)", "Net paid", "Partial refund"),
        ("ko", "합계 (USD)", "순 결제 금액", "부분 환불"),
    ],
)
def test_bold_totals_are_the_formatted_amounts(refunded_payment, language, total, net, partial):
    payment, refund = refunded_payment
    with translation.override(language):
        invoice = text(invoices.invoice_pdf(payment=payment))
        receipt = text(invoices.refund_receipt_pdf(refund=refund))
    money = "US$" if language == "ko" else "$"
    assert f"{total} {money}110.00" in invoice
    assert f"{net} {money}100.00" in invoice
    assert f"{partial} {money}10.00" in receipt
    if pdf.fonts()[1] is not None:  # a CJK font is installed (CI installs one)
        assert "김민준" in invoice and "배송 지연" in receipt


def test_every_font_family_has_a_real_bold_face():
    for family in pdf.fonts():
        if family is not None:
            regular, bold = family
            assert bold.path.exists()
            assert "Bold" in bold.path.name or bold == regular


def test_a_long_refund_reason_keeps_the_receipt_on_one_page(customer, owner):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    reason = ("The parcel arrived late and damaged. " * 90)[:3000]
    refund = refunds.refund_create(
        payment=payment, amount=1000, reason=reason, actor=Actor.user(owner)
    )
    pdf = invoices.refund_receipt_pdf(refund=refund)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    content = text(pdf)
    assert "Partial refund $10.00" in content and "arrived late" in content
