"""PDF invoices (one per successful payment) and refund receipts, made with fpdf2.

Invoice numbers are sequential per business: the business's InvoiceCounter row
is locked FOR UPDATE to take the next one, so two payments never share a number
and none is skipped. A payment gets its number when it succeeds (renewals, demo
data) or, at the latest, when its invoice is first downloaded.

The text is real text (DejaVu Sans when installed, Noto CJK in the document
language's cut as a fallback, Noto Sans Devanagari shaped by HarfBuzz for Hindi),
so it can be searched, copied and extracted.
"""

import datetime as dt
import functools
import logging
from pathlib import Path
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from customers.billing.parties import customer_rows, draw_logo, issuer_rows, party_texts
from customers.core.formatting import utc, utc_date
from customers.core.money import format_money, to_decimal
from customers.models import InvoiceCounter, Payment, Refund

# fontTools logs every font subset at INFO; that is noise in our logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class FontFace(NamedTuple):
    """One installed face: a file, and which font in it when the file is a collection."""

    path: Path
    index: int = 0


# Each family is found as a (regular, bold) pair from the same package, so bold text
# never falls back to a face of another weight (fpdf2 garbles bold text it shapes
# with a fallback font registered only as regular: issue 15, item 1).
FONT_CANDIDATES = [
    (
        FontFace(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
        FontFace(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
    ),
    (
        FontFace(Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")),
        FontFace(Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf")),
    ),
]
# Debian's fonts-noto-cjk: collections of the Japanese (index 0), Korean (1) and
# Simplified Chinese (2) cuts; the Korean one serves every other language.
CJK_CANDIDATES = [
    (
        FontFace(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 1),
        FontFace(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 1),
    ),
    (
        FontFace(Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), 1),
        FontFace(Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"), 1),
    ),
]
CJK_CUTS = {"ja": 0, "ko": 1, "zh-hans": 2}
# Hindi (fonts-noto-core or fonts-lohit-deva), shaped by HarfBuzz: vowel signs in place.
_NOTO, _LOHIT = Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype")
DEVANAGARI_CANDIDATES = [
    (
        FontFace(_NOTO / "NotoSansDevanagari-Regular.ttf"),
        FontFace(_NOTO / "NotoSansDevanagari-Bold.ttf"),
    ),
    (FontFace(_LOHIT / "lohit-devanagari/Lohit-Devanagari.ttf"),) * 2,
]


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


def _first_family(candidates) -> tuple[FontFace, FontFace] | None:
    """The first installed family; a family without its bold file uses its regular
    face for bold too (plain, but real glyphs: bold is never faked)."""
    for regular, bold in candidates:
        if regular.path.exists():
            return regular, (bold if bold.path.exists() else regular)
    return None


@functools.cache
def _fonts() -> tuple[tuple[FontFace, FontFace] | None, ...]:
    """The body family and the CJK and Devanagari fallbacks, each (regular, bold) or None."""
    candidates = (FONT_CANDIDATES, CJK_CANDIDATES, DEVANAGARI_CANDIDATES)
    return tuple(_first_family(family) for family in candidates)


def _cjk_cut(family: tuple[FontFace, FontFace]) -> tuple[FontFace, FontFace]:
    """The family in the cut of the active language (Korean unless Japanese/Chinese)."""
    index = CJK_CUTS.get(translation.get_language() or "", 1)
    return tuple(FontFace(face.path, index) for face in family)


def _needs_cjk(texts) -> bool:
    """Loading the CJK font costs ~0.5 s, so only documents that need it do."""
    return any(ord(ch) >= 0x2E80 for text in texts for ch in text or "")


def _needs_devanagari(texts) -> bool:
    return any(0x0900 <= ord(ch) <= 0x097F for text in texts for ch in text or "")


class _Document(FPDF):
    def __init__(self, title: str, texts=()):
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Customer Hub")
        body, cjk, devanagari = _fonts()
        self.unicode = body is not None
        if self.unicode:
            self._add_family("Body", body)
            fallbacks = []
            texts = [title, *texts]  # the title is translated: it says which scripts
            if devanagari is not None and _needs_devanagari(texts):
                self._add_family("Devanagari", devanagari)
                fallbacks.append("Devanagari")
                self.set_text_shaping(True)
            if cjk is not None and _needs_cjk(texts):
                self._add_family("CJK", _cjk_cut(cjk))
                fallbacks.append("CJK")
            if fallbacks:
                # exact_match: bold text falls back to a bold face, regular to regular.
                self.set_fallback_fonts(fallbacks, exact_match=True)
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.add_page()

    def _add_family(self, name: str, faces: tuple[FontFace, FontFace]) -> None:
        for style, face in zip(("", "B"), faces, strict=True):
            self.add_font(name, style, str(face.path), collection_font_number=face.index)

    def text_safe(self, text: str) -> str:
        if self.unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def money(self, amount: int, currency: str) -> str:
        if self.unicode:
            return format_money(amount, currency)
        return f"{to_decimal(amount, currency):,} {currency}"

    def font(self, size: float = 10, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def _reassert_font(self) -> None:
        """fpdf2 2.8 bug: a cell whose first glyph comes from the fallback face is drawn
        inside q/Q with our face selected *inside* that block, yet fpdf2 records our face
        as set on the page. The next cell then writes without selecting a font, and its
        glyph ids are read in whichever face the page had: garbage where the bold total
        should be ("합계 (USD) p0y_qYUU"). Forget that record before every cell, so
        each cell selects its face itself (a few bytes per cell)."""
        if self._fallback_font_ids:
            self.current_font_is_set_on_page = False

    def cell(self, *args, **kwargs):
        self._reassert_font()
        return super().cell(*args, **kwargs)

    def multi_cell(self, *args, **kwargs):
        self._reassert_font()
        return super().multi_cell(*args, **kwargs)

    def line_text(self, text: str, *, size: float = 10, bold: bool = False, h: float = 5.5):
        self.font(size, bold)
        self.multi_cell(0, h, self.text_safe(text), new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows: list[tuple[str, str]], *, label_width: float = 45) -> None:
        for label, value in rows:
            self.font(9)
            self.set_text_color(104, 115, 133)
            self.cell(label_width, 5.5, self.text_safe(label))
            self.set_text_color(26, 31, 54)
            self.font(10)
            self.multi_cell(0, 5.5, self.text_safe(value), new_x="LMARGIN", new_y="NEXT")

    def rule(self) -> None:
        self.ln(2)
        self.set_draw_color(227, 230, 235)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)

    def heading(self, business_name: str, title: str, number: str) -> None:
        self.set_text_color(26, 31, 54)
        self.line_text(business_name, size=16, bold=True, h=8)
        self.set_text_color(79, 70, 229)
        self.line_text(f"{title} {number}".strip(), size=13, bold=True, h=7)
        self.set_text_color(26, 31, 54)
        self.rule()

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.font(9, bold=True)
        self.set_fill_color(250, 251, 252)
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, self.text_safe(text), border="B", fill=True, align="L")
        self.ln()
        self.font(10)
        for row in rows:
            self.table_row([self.text_safe(text) for text in row], widths)
        self.ln(2)

    def table_row(self, texts: list[str], widths: list[float]) -> None:
        """Cells wrap rather than run into the next column; the tallest sets the row."""
        lines = [
            self.multi_cell(width, 5, text, align="L", dry_run=True, output="LINES")
            for text, width in zip(texts, widths, strict=True)
        ]
        height = max(7, 5 * max(len(cell) for cell in lines) + 2)  # mm
        if self.will_page_break(height):
            self.add_page()
        top, x = self.get_y(), self.l_margin
        for text, width, cell in zip(texts, widths, lines, strict=True):
            self.set_xy(x, top)
            line_height = height / max(1, len(cell))  # one line: centred in the row
            self.multi_cell(width, line_height, text, align="L", new_x="RIGHT", new_y="TOP")
            x += width
        self.line(self.l_margin, top + height, x, top + height)
        self.set_xy(self.l_margin, top + height)

    def totals(self, rows: list[tuple[str, str]], *, bold_last: bool = True) -> None:
        for i, (label, value) in enumerate(rows):
            strong = bold_last and i == len(rows) - 1
            self.font(10, bold=strong)
            self.cell(self.epw - 45, 6, self.text_safe(label), align="R")
            self.cell(45, 6, self.text_safe(value), align="R", new_x="LMARGIN", new_y="NEXT")


def _utc(moment: dt.datetime) -> str:
    return f"{utc(moment)} UTC"  # the pages' formatter, in the document's language


def invoice_pdf(*, payment: Payment) -> bytes:
    """The invoice of a payment, with any refunds; a successful payment is numbered
    if it was not yet (other payments get a document without a number)."""
    invoice_number_assign(payment=payment)
    business, customer = payment.business, payment.customer
    refunds = list(payment.refunds.order_by("created_at", "pk"))
    number = payment.invoice_label
    texts = [*party_texts(business, customer), payment.product.name if payment.product_id else ""]
    texts += [r.reason for r in refunds]
    doc = _Document(f"{_('Invoice')} {number}", texts)
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
    unit = subtotal // quantity
    doc.table(
        [_("Description"), _("Qty"), _("Unit price"), _("Amount")],
        [[description, str(quantity), doc.money(unit, currency), doc.money(subtotal, currency)]],
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
    doc = _Document(
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
