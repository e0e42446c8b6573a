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


def _fixed_zip(data: bytes, when: dt.date) -> bytes:
    """The same .docx with every zip member dated `when`: the same input gives the same bytes."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


_BODIES = {
    "实施方案": ["一、工作目标", "二、排查范围和重点", "三、方法步骤", "四、工作要求"],
    "工作动态信息": ["一、亮点工作及成效", "二、发现的突出风险及处置措施", "三、典型案（事）例", "四、问题和困难、意见建议"],
    "总结报告": ["一、排查工作开展情况", "二、非法集资风险总体情况", "三、形成原因和风险研判", "四、下一步措施和建议"],
    "其他": ["现将有关情况说明如下。"],
}
_TITLES = {"实施方案": "{unit}涉嫌非法集资风险专项排查活动实施方案",
           "工作动态信息": "{unit}风险专项排查工作动态信息（第{n}期）",
           "总结报告": "{unit}涉嫌非法集资风险专项排查总结报告",
           "其他": "关于报送有关材料的说明"}


def demo_documents(config) -> list[tuple[str, str, str, dt.date, object, str]]:
    """(unit, file name, kind it should be read as, date, build(), note) for the demo inbox.

    Most units send their documents; some do not, or send them late, or too few, so the 考评
    sheet shows both: by position in the registry (the default registry's names in brackets)
    county 2 (谢家集区) one 工作动态信息 only and its 总结报告 as a binary .doc; county 3 (八公山区)
    a late 实施方案 (.wps) and a late 总结报告; county 4 (潘集区) an unclear extra document (其他);
    county 5 (凤台县) no documents at all; county 6 (寿县) a truncated 总结报告 PDF (unreadable);
    department 2 no 工作动态信息, department 5 nothing, department 7 no 总结报告."""
    mob_end, start, due = config.date("mobilisation_end"), config.date("screening_start"), config.forms_due
    out: list[tuple] = []

    def add(unit: str, kind: str, when: dt.date, fmt: str, n: int = 1, name: str | None = None, note: str = "",
            raw: bytes | None = None, chinese: bool = True) -> None:
        title = _TITLES[kind].format(unit=unit, n=n)
        date_text = chinese_date(when) if chinese else f"{when.year}年{when.month}月{when.day}日"
        name = name or f"{unit}{'工作信息' + str(n) if kind == '工作动态信息' else kind}.{fmt}"
        if raw is not None:
            build = lambda r=raw: r
        elif fmt == "docx":
            build = lambda t=title, k=kind, d=date_text, w=when, u=unit: _fixed_zip(docx_bytes(t, _BODIES[k], u, d), w)
        elif fmt == "pdf":
            build = lambda t=title, k=kind, d=date_text, u=unit: pdf_bytes(t, _BODIES[k], u, d)
        elif fmt == "txt":
            build = lambda t=title, k=kind, d=date_text, u=unit: "\n".join([t, *_BODIES[k], u, d]).encode("utf-8")
        else:   # .doc / .wps: a binary Word/WPS file (an OLE container), read by its name
            seed = sum(map(ord, unit + kind))
            build = lambda s=seed: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes((s * i) % 251 for i in range(4096))
        out.append((unit, name, kind, when, build, note))

    def days(base: dt.date, n: int) -> dt.date:
        return base + dt.timedelta(days=n)

    for i, unit in enumerate(config.counties):
        if i == 5:
            continue                                            # 凤台县: no documents at all
        plan_on = days(mob_end, 15) if i == 3 else days(mob_end, 2 + i % 3)
        add(unit, "实施方案", plan_on, "wps" if i == 3 else ("docx" if i in (0, 2, 4) else "pdf"),
            note="迟报的实施方案（.wps） late plan" if i == 3 else "实施方案")
        add(unit, "工作动态信息", days(start, 20 + i), "docx" if i == 0 else "pdf", 1, chinese=i % 2 == 0)
        if i != 2:
            add(unit, "工作动态信息", days(start, 45 + i), "txt" if i == 7 else "pdf", 2)
        if i == 4:
            add(unit, "其他", days(start, 30), "docx", name="材料说明.docx", note="类别不明的材料：按其他登记并警告 unclear: 其他")
        if i == 2:
            add(unit, "总结报告", days(due, -1), "doc", note="总结报告为 .doc：按文件名分类 binary .doc, by name")
        elif i == 3:
            add(unit, "总结报告", days(due, 4), "pdf", note="迟报的总结报告 late summary")
        elif i == 6:
            full = pdf_bytes(_TITLES["总结报告"].format(unit=unit), _BODIES["总结报告"], unit, chinese_date(days(due, -2)))
            add(unit, "总结报告", days(due, -2), "pdf", raw=full[: len(full) // 2],
                note="截断的 PDF：无法读取，不计入 truncated PDF: unreadable, not counted")
        else:
            add(unit, "总结报告", days(due, -(1 + i % 3)), "docx" if i in (0, 4) else "pdf")
    for i, unit in enumerate(config.departments):
        if i == 5:
            continue
        add(unit, "实施方案", days(mob_end, 3 + i % 4), "docx" if i < 2 else "pdf")
        if i != 2:
            add(unit, "工作动态信息", days(start, 25 + i), "pdf", 1)
        if i != 7:
            add(unit, "总结报告", days(due, -(i % 4)), "docx" if i == 0 else "pdf")
    return out
