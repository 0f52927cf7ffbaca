"""Issued invoices are kept and served as issued; dashboard and portal name the file the
same way (issue 15, item 4)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from customers.audit import Actor
from customers.billing import refunds
from customers.models import InvoiceDocument
from tests.factories import PaymentFactory
from tests.portal.conftest import portal_link

pytestmark = pytest.mark.django_db


def text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join(p.extract_text() for p in pages).replace("\x00", "")  # CID fonts


def dashboard_invoice(client, payment):
    return client.get(reverse("customers:payment_invoice", args=[payment.customer_id, payment.pk]))


def test_dashboard_and_portal_name_the_invoice_file_the_same(owner_client, client, customer):
    payment = PaymentFactory(customer=customer)
    dashboard = dashboard_invoice(owner_client, payment)
    client.get(portal_link(customer))
    portal = client.get(reverse("portal:invoice", args=[payment.pk]))
    expected = 'attachment; filename="invoice-INV-000001.pdf"'
    assert dashboard["Content-Disposition"] == portal["Content-Disposition"] == expected


def test_an_issued_invoice_is_kept_as_issued(owner_client, customer):
    payment = PaymentFactory(customer=customer)
    first = dashboard_invoice(owner_client, payment).content
    customer.name = "Renamed Later"
    customer.save()
    again = dashboard_invoice(owner_client, payment).content
    assert again == first and "Renamed Later" not in text(again)
    assert InvoiceDocument.objects.filter(payment=payment).count() == 1


def test_a_refund_reissues_the_kept_invoice(owner_client, owner, customer):
    payment = PaymentFactory(customer=customer, total_amount=2500)
    dashboard_invoice(owner_client, payment)
    refunds.refund_create(payment=payment, amount=500, reason="", actor=Actor.user(owner))
    content = text(dashboard_invoice(owner_client, payment).content)
    assert "Amount refunded" in content and "$5.00" in content


def test_each_language_keeps_its_own_copy(owner_client, customer):
    payment = PaymentFactory(customer=customer)
    english = text(dashboard_invoice(owner_client, payment).content)
    korean = text(
        owner_client.get(
            reverse("customers:payment_invoice", args=[customer.pk, payment.pk]),
            headers={"accept-language": "ko"},
        ).content
    )
    assert "Invoice number" in english and "인보이스 번호" in korean
    assert InvoiceDocument.objects.filter(payment=payment).count() == 2


def test_failed_payments_are_not_kept(client, customer):
    payment = PaymentFactory(customer=customer, status="failed")
    client.get(portal_link(customer))
    response = client.get(reverse("portal:invoice", args=[payment.pk]))
    assert response.status_code == 404  # only a successful payment has an invoice
    assert not InvoiceDocument.objects.exists()
