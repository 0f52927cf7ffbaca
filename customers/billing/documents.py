"""Invoices are built once and kept: the first download of a numbered invoice stores its
PDF (per language), and later downloads serve the stored bytes (about 1 s of font
subsetting saved per download). An issued invoice keeps the customer's name and the
product as they were; only a refund changes it, so the refund state is the document's
fingerprint and a new refund re-issues it.

Dashboard and portal name the file the same way: `invoice-INV-000013.pdf`.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.utils import translation

from customers.billing.invoices import invoice_number_assign, invoice_pdf
from customers.models import InvoiceDocument, Payment


def invoice_filename(payment: Payment) -> str:
    """One name wherever it is downloaded; a payment without a number (not successful)
    is named by its ID."""
    return f"invoice-{payment.invoice_label or payment.pk}.pdf"


def _fingerprint(payment: Payment) -> str:
    refunds = payment.refunds.order_by("pk").values_list("pk", "status", "amount")
    state = f"{payment.invoice_number}|" + ";".join(f"{p},{s},{a}" for p, s, a in refunds)
    return hashlib.sha256(state.encode()).hexdigest()


def invoice_document(*, payment: Payment) -> bytes:
    """The invoice PDF of a payment: the kept one when nothing changed, else built (and
    kept, for a successful payment) in the active language."""
    if not invoice_number_assign(payment=payment):
        return invoice_pdf(payment=payment)  # not an invoice to keep: a failed payment
    language = (translation.get_language() or "en")[:8]
    fingerprint = _fingerprint(payment)
    kept = (
        InvoiceDocument.objects.filter(
            business_id=payment.business_id, payment=payment, language=language
        )
        .values_list("fingerprint", "pdf")
        .first()
    )
    if kept and kept[0] == fingerprint:
        return bytes(kept[1])
    pdf = invoice_pdf(payment=payment)
    try:
        with transaction.atomic():
            InvoiceDocument.objects.update_or_create(
                business_id=payment.business_id,
                payment=payment,
                language=language,
                defaults={"fingerprint": fingerprint, "pdf": pdf},
            )
    except IntegrityError:
        pass  # kept by a concurrent first download; this copy is the same document
    return pdf
