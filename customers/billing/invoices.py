"""PDF invoices (one per successful payment) and refund receipts, made with fpdf2.

Invoice numbers are sequential per business: the business's InvoiceCounter row
is locked FOR UPDATE to take the next one, so two payments never share a number
and none is skipped. A payment gets its number when it succeeds (renewals, demo
data) or, at the latest, when its invoice is first downloaded.

The text is real text (DejaVu Sans when installed, Noto CJK in the document
language's cut as a fallback, Noto Sans Devanagari shaped by HarfBuzz for Hindi),
so it can be searched, copied and extracted: `customers.billing.pdf` draws it.
A renewal that charged credit overage (`wallets.credits.overage`) lists it as
lines of its own after the plan's.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from customers.billing.parties import customer_rows, draw_logo, issuer_rows, party_texts
from customers.billing.pdf import Document
from customers.core.formatting import utc, utc_date
from customers.core.money import format_price
from customers.models import InvoiceCounter, Payment, Refund
from wallets.credits.amounts import credits_display
from wallets.credits.models import CreditEntitlement
from wallets.credits.overage import charges_of


def invoice_number_assign(*, payment: Payment) -> int:
    """Give a successful payment the business's next invoice number, once; other
    payments get none (returns 0)."""
    if payment.status != Payment.Status.SUCCEEDED:
        return 0
    with transaction.atomic():
        locked = Payment.objects.select_for_update().only("pk", "invoice_number", "business_id")
        locked = locked.get(pk=payment.pk)
        if locked.invoice_number:
            payment.invoice_number = locked.invoice_number
            return locked.invoice_number
        try:
            with transaction.atomic():
                InvoiceCounter.objects.get_or_create(business_id=locked.business_id)
        except IntegrityError:
            pass  # created by a concurrent first invoice; the lock below waits for it
        counter = InvoiceCounter.objects.select_for_update().get(business_id=locked.business_id)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        Payment.objects.filter(pk=locked.pk).update(invoice_number=counter.last_number)
        payment.invoice_number = counter.last_number
        return counter.last_number


def _utc(moment: dt.datetime) -> str:
    return f"{utc(moment)} UTC"  # the pages' formatter, in the document's language


def _overage_lines(doc: Document, payment: Payment) -> list[tuple[list[str], int]]:
    """A renewal's overage parts (wallets.credits.overage), one line per credit: the
    credits used beyond the balance, the price per credit, the amount."""
    charges = charges_of(payment)
    if not charges:
        return []
    entitlements = CreditEntitlement.objects.in_bulk([c.entitlement_id for c in charges])
    lines = []
    for charge in charges:
        entitlement = entitlements.get(charge.entitlement_id)
        name = entitlement.name if entitlement else charge.entitlement_id
        precision = entitlement.precision if entitlement else 3
        unit_price = format_price(charge.price, payment.currency)
        if not doc.unicode:
            unit_price = f"{charge.price.normalize()} {payment.currency}"
        row = [
            _("Overage: %(credit)s") % {"credit": name},
            credits_display(charge.credits, precision),
            unit_price,
            doc.money(charge.amount, payment.currency),
        ]
        lines.append((row, charge.amount))
    return lines


def invoice_pdf(*, payment: Payment) -> bytes:
    """The invoice of a payment, with any refunds; a successful payment is numbered
    if it was not yet (other payments get a document without a number)."""
    invoice_number_assign(payment=payment)
    business, customer = payment.business, payment.customer
    refunds = list(payment.refunds.order_by("created_at", "pk"))
    number = payment.invoice_label
    texts = [*party_texts(business, customer), payment.product.name if payment.product_id else ""]
    texts += [r.reason for r in refunds]
    doc = Document(f"{_('Invoice')} {number}", texts)
    draw_logo(doc, business)
    doc.heading(business.name, _("Invoice"), number)
    doc.pairs(issuer_rows(business))
    doc.rule()
    doc.pairs(
        [
            (_("Invoice number"), number),
            (_("Date of issue"), _utc(payment.created_at)),
            (_("Payment ID"), payment.pk),
            (_("Status"), str(payment.get_display_status_display())),
            (_("Payment method"), payment.method_label),
        ]
    )
    doc.rule()
    doc.line_text(_("Billed to"), size=11, bold=True)
    doc.pairs(customer_rows(customer))
    doc.rule()

    currency = payment.currency
    subtotal = payment.total_amount - payment.tax
    quantity = max(payment.quantity, 1)
    if payment.product_id:
        description = payment.product.name
        if payment.subscription_id:
            description += " · " + str(payment.get_pricing_type_display())
            if payment.service_period_start:
                description += " " + _("from %(date)s") % {
                    "date": utc_date(payment.service_period_start)
                }
    else:
        description = _("Payment")
    overage = _overage_lines(doc, payment)
    plan = subtotal - sum(amount for _row, amount in overage)
    unit = plan // quantity
    doc.table(
        [_("Description"), _("Qty"), _("Unit price"), _("Amount")],
        [
            [description, str(quantity), doc.money(unit, currency), doc.money(plan, currency)],
            *(row for row, _amount in overage),
        ],
        [95, 15, 35, 35],
    )
    totals = [
        (_("Subtotal"), doc.money(subtotal, currency)),
        (_("Tax"), doc.money(payment.tax, currency)),
        (
            _("Total (%(currency)s)") % {"currency": currency},
            doc.money(payment.total_amount, currency),
        ),
    ]
    doc.totals(totals)
    if refunds:
        doc.rule()
        doc.line_text(_("Refunds"), size=11, bold=True)
        doc.table(
            [_("Refund ID"), _("Date"), _("Status"), _("Amount")],
            [
                [
                    r.pk,
                    _utc(r.created_at),
                    str(r.get_status_display()),
                    doc.money(r.amount, currency),
                ]
                for r in refunds
            ],
            [75, 45, 25, 35],
        )
        refunded = sum(r.amount for r in refunds if r.status == Refund.Status.SUCCEEDED)
        doc.totals(
            [
                (_("Amount refunded"), doc.money(refunded, currency)),
                (_("Net paid"), doc.money(payment.total_amount - refunded, currency)),
            ]
        )
    doc.ln(6)
    doc.set_text_color(104, 115, 133)
    doc.line_text(
        _("All times are UTC. Amounts are in %(currency)s.") % {"currency": currency}, size=8
    )
    return bytes(doc.output())


def refund_receipt_pdf(*, refund: Refund) -> bytes:
    """A receipt for one refund, pointing at the payment and invoice it refunds."""
    payment, business, customer = refund.payment, refund.business, refund.customer
    doc = Document(
        f"{_('Refund receipt')} {refund.pk}", [*party_texts(business, customer), refund.reason]
    )
    draw_logo(doc, business)
    doc.heading(business.name, _("Refund receipt"), "")
    doc.pairs(issuer_rows(business))
    doc.rule()
    doc.pairs(
        [
            (_("Refund ID"), refund.pk),
            (_("Date"), _utc(refund.created_at)),
            (_("Status"), str(refund.get_status_display())),
            (_("Payment ID"), payment.pk),
            (_("Invoice number"), payment.invoice_label or "—"),
            (_("Refunded to"), str(refund.get_destination_display())),
        ]
        # A short reason reads best with the facts; a long one (up to 3,000 characters)
        # goes after the totals in small print, so the amounts stay on the first page.
        + ([(_("Reason"), refund.reason or "—")] if len(refund.reason) <= 200 else [])
    )
    doc.rule()
    doc.line_text(_("Customer"), size=11, bold=True)
    doc.pairs(customer_rows(customer))
    doc.rule()
    kind = _("Partial refund") if refund.is_partial else _("Full refund")
    doc.totals(
        [
            (_("Original payment"), doc.money(payment.total_amount, payment.currency)),
            (kind, doc.money(refund.amount, refund.currency)),
        ]
    )
    if len(refund.reason) > 200:
        doc.rule()
        doc.line_text(_("Reason"), size=9, bold=True)
        doc.set_text_color(104, 115, 133)
        doc.line_text(refund.reason, size=8, h=3.8)
    return bytes(doc.output())


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF document as a private download (or shown in the browser when `inline`)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
