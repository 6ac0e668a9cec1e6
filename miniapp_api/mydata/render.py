"""The readable copy of 我的数据: an A4 PDF in large, plain Chinese, written line by line.

Like the certificates (certificates/render.py) it uses reportlab's built-in CID font STSong-Light, so no font file
has to be shipped: PDF readers supply the glyphs. Long lines wrap at the page's width; pages are numbered.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
TITLE_SIZE, HEADING_SIZE, TEXT_SIZE = 20, 15, 12
MARGIN = 20 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


class PdfWriter:
    """Title, headings and wrapped lines, top to bottom, a new page when one is full."""

    def __init__(self, title: str, page_label: str):
        self.font = _font()
        self.width, self.height = A4
        self.page = canvas.Canvas(None, pagesize=A4, pageCompression=1)
        self.page.setTitle(title)
        self.page_label = page_label   # "第 {number} 页"
        self.number = 1
        self.y = self.height - MARGIN
        self._text(title, TITLE_SIZE, gap=6 * mm)

    def _new_page(self) -> None:
        self.page.setFont(self.font, 9)
        self.page.drawCentredString(self.width / 2, 10 * mm, self.page_label.format(number=self.number))
        self.page.showPage()
        self.number += 1
        self.y = self.height - MARGIN

    def _text(self, text: str, size: int, *, gap: float = 0.0, indent: float = 0.0) -> None:
        leading = size * 1.5
        for piece in simpleSplit(text, self.font, size, self.width - 2 * MARGIN - indent) or [""]:
            if self.y - leading < MARGIN:
                self._new_page()
            self.y -= leading
            self.page.setFont(self.font, size)
            self.page.drawString(MARGIN + indent, self.y, piece)
        self.y -= gap

    def paragraph(self, text: str) -> None:
        self._text(text, TEXT_SIZE, gap=3 * mm)

    def heading(self, text: str) -> None:
        self.y -= 3 * mm
        self._text(text, HEADING_SIZE, gap=1 * mm)

    def line(self, text: str) -> None:
        self._text(f"○ {text}", TEXT_SIZE, indent=4 * mm)

    def save(self, path: Path) -> None:
        self.page.setFont(self.font, 9)
        self.page.drawCentredString(self.width / 2, 10 * mm, self.page_label.format(number=self.number))
        self.page.showPage()
        path.write_bytes(self.page.getpdfdata())
