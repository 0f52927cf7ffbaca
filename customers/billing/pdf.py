"""The PDF document our invoices and refund receipts are drawn on (fpdf2): fonts found
once (DejaVu Sans, Noto CJK in the document language's cut, Noto Sans Devanagari
shaped by HarfBuzz), real searchable text, and the few drawing steps they share.
See `customers.billing.invoices` for the documents themselves."""

import functools
import logging
from pathlib import Path
from typing import NamedTuple

from django.utils import translation
from fpdf import FPDF

from customers.core.money import format_money, to_decimal

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


def _first_family(candidates) -> tuple[FontFace, FontFace] | None:
    """The first installed family; a family without its bold file uses its regular
    face for bold too (plain, but real glyphs: bold is never faked)."""
    for regular, bold in candidates:
        if regular.path.exists():
            return regular, (bold if bold.path.exists() else regular)
    return None


@functools.cache
def fonts() -> tuple[tuple[FontFace, FontFace] | None, ...]:
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


class Document(FPDF):
    def __init__(self, title: str, texts=()):
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Customer Hub")
        body, cjk, devanagari = fonts()
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
