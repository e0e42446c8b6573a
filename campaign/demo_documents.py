"""Real Word and PDF documents as units write them: for the demo inbox and the tests.

A .docx is written by python-docx (a title paragraph, body paragraphs, the 落款: unit and date);
a .pdf by reportlab with the standard Chinese CID font STSong-Light (part of every PDF reader:
nothing is embedded, no font file is needed) so the text is real Chinese a PDF reader extracts."""
from __future__ import annotations

import datetime as dt
import io

_CN_DIGITS = "〇一二三四五六七八九"


def chinese_date(d: dt.date) -> str:
    """2018-07-19 -> 二〇一八年七月十九日 (the 落款 of an official document)."""
    def small(n: int) -> str:
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return "".join(_CN_DIGITS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def docx_bytes(title: str, body: list[str], signer: str | None = None, date_text: str | None = None,
               heading_style: bool = True) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    p = document.add_heading(title, level=0) if heading_style else document.add_paragraph(title)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in body:
        document.add_paragraph(text)
    for text in (signer, date_text):
        if text:
            document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(title: str, body: list[str], signer: str | None = None, date_text: str | None = None,
              pages: int = 1) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)   # invariant: the same input, the same bytes
    width, height = A4
    for page in range(pages):
        y = height - 80
        if page == 0:
            c.setFont(font, 18)
            c.drawCentredString(width / 2, y, title)
            y -= 40
        c.setFont(font, 12)
        for text in body:
            c.drawString(72, y, text[:40])
            y -= 22
        if page == pages - 1:
            for text in (signer, date_text):
                if text:
                    c.drawRightString(width - 72, y - 20, text)
                    y -= 22
        c.showPage()
    c.save()
    return out.getvalue()
