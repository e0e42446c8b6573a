"""Documents as units write them, round 3 (issue 27): OFD documents (a hand-built OFD package, the
structure GB/T 33190 gives: OFD.xml -> Doc_0/Document.xml -> Pages/Page_N/Content.xml), titles
where documents put them (a styled paragraph, a table cell, a text box, the first lines of a PDF or
OFD broken over two lines), and what the receipt of an archive asks for."""
from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

import pytest

from cli.demo_documents import chinese_date, docx_bytes, pdf_bytes
from tests.builders import drop
from transforms.documents import OTHER, PLAN, SUMMARY, UPDATE, DEFAULT_LIMITS, heading_of, read_document
from tests.helpers import q

OFD_NS = "http://www.ofdspec.org/2016"


def at(day: str, hour: int = 10) -> float:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").timestamp()


# --- an OFD package, written the way an OFD writer lays it out --------------------------------------

def _text_object(oid: int, x: float, y: float, text: str, size: float) -> str:
    """One line of text: a TextObject at (x, y) mm with its glyph advances (DeltaX, 'g n d' form)."""
    gaps = f' DeltaX="g {len(text) - 1} {size}"' if len(text) > 1 else ""
    return (f'<ofd:TextObject ID="{oid}" Boundary="{x} {y - size} {size * len(text) + 1} {size * 1.4}" Font="3" '
            f'Size="{size}"><ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{size}"{gaps}>{text}</ofd:TextCode></ofd:TextObject>')


def ofd_bytes(pages: list[list[tuple[float, float, str, float]]], *, parts: dict[str, bytes | None] | None = None
              ) -> bytes:
    """An .ofd: pages of (x mm, y mm, text, size mm) lines. parts: replace (bytes) or drop (None) parts."""
    out, oid = {}, 100
    out["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD">'
        '<ofd:DocBody><ofd:DocInfo><ofd:DocID>6c5a1f0e2b3d4c8e9f00112233445566</ofd:DocID>'
        '<ofd:Creator>WPS Office</ofd:Creator><ofd:CreationDate>2018-06-19</ofd:CreationDate></ofd:DocInfo>'
        '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    page_refs = "".join(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    out["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
        '<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
        '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
        f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
    out["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    for n, lines in enumerate(pages):
        objects = ""
        for x, y, text, size in lines:
            oid += 1
            objects += _text_object(oid, x, y, text, size)
        out[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
            f'<ofd:Layer ID="{n + 10}" Type="Body">{objects}</ofd:Layer></ofd:Content></ofd:Page>')
    data = {k: v.encode("utf-8") for k, v in out.items()}
    for name, part in (parts or {}).items():
        if part is None:
            data.pop(name, None)
        else:
            data[name] = part
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, part in data.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2018, 6, 19, 9, 0, 0)), part, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def plan_ofd(pages: int = 1) -> bytes:
    """A 实施方案 as an office exports it to OFD: 附件 mark and document number above a title broken
    over two lines, a body sentence, and the 落款 (unit, date) on the last page."""
    first = [(20, 20, "附件1", 4.2), (70, 32, "淮田处非〔2018〕3号", 4.2),
             (45, 48, "田家庵区防范和处置非法集资", 7.4), (62, 58, "专项排查实施方案", 7.4),
             (25, 75, "按照市处非领导小组统一部署，结合我区实际，制定本方案。", 4.2),
             (25, 83, "一、工作目标", 4.2)]
    tail = [(130, 240, "田家庵区处非办", 4.2), (125, 250, chinese_date(dt.date(2018, 5, 12)), 4.2)]
    if pages == 1:
        return ofd_bytes([first + tail])
    return ofd_bytes([first] + [[(25, 40, f"第{n + 2}页正文：排查范围和重点。", 4.2)] for n in range(pages - 2)] + [tail])


# --- OFD: read, classified by its title, dated ----------------------------------------------------------

def test_an_ofd_is_read_for_title_kind_and_date():
    d = read_document(plan_ofd(), "材料.ofd")     # the name says nothing: the title classifies it
    assert (d.format, d.status, d.kind, d.sure, d.pages) == ("ofd", "read", PLAN, True, 1)
    assert d.title == "田家庵区防范和处置非法集资专项排查实施方案"
    assert d.doc_date == dt.date(2018, 5, 12) and d.characters > 40 and d.issues == []
    # many pages: the first pages and the last (the 落款) are read
    long = read_document(plan_ofd(pages=9), "田家庵区实施方案.ofd")
    assert (long.pages, long.doc_date, long.kind) == (9, dt.date(2018, 5, 12), PLAN)
    # an OFD named .pdf is read as what it is
    assert read_document(plan_ofd(), "材料.pdf").format == "ofd"


def test_a_broken_ofd_is_unreadable_and_still_classified_by_its_name():
    good = plan_ofd(pages=3)
    dtd = (f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">]><ofd:Page xmlns:ofd="{OFD_NS}">'
           '<ofd:Content><ofd:Layer ID="1"><ofd:TextObject ID="2" Boundary="0 0 10 10" Font="3" Size="4">'
           '<ofd:TextCode X="0" Y="4">&a;</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>').encode()
    cases = {
        "truncated": (good[: len(good) * 2 // 3], None, "DOCUMENT_UNREADABLE"),
        "no OFD.xml": (ofd_bytes([[]], parts={"OFD.xml": None}), None, "DOCUMENT_UNREADABLE"),
        "no Document.xml": (ofd_bytes([[]], parts={"Doc_0/Document.xml": None}), None, "DOCUMENT_UNREADABLE"),
        "broken page XML": (ofd_bytes([[]], parts={"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page><unclosed"}),
                            None, "DOCUMENT_UNREADABLE"),
        "entities": (ofd_bytes([[]], parts={"Doc_0/Pages/Page_0/Content.xml": dtd}), None, "XML_ENTITIES"),
        "zip bomb": (ofd_bytes([[]], parts={"Doc_0/Res/pad.bin": b"\0" * 3_000_000}),
                     {"max_uncompressed_bytes": 1_000_000}, "FILE_TOO_LARGE"),
        "too many pages": (good, {"max_pdf_pages": 2}, "DOCUMENT_TOO_LONG"),
        "empty": (b"", None, "DOCUMENT_UNREADABLE"),
    }
    for what, (data, limits, rule) in cases.items():
        d = read_document(data, "凤台县工作动态信息（第2期）.ofd", limits)
        assert (d.status, d.kind, d.title) == ("unreadable", UPDATE, "凤台县工作动态信息（第2期）"), what
        errors = [i for i in d.issues if i.severity == "error"]
        assert [i.rule for i in errors] == [rule], what
        assert "无法读取" in errors[0].message and "OFD" in errors[0].message + d.reason, what
        # the reason is read by a clerk: Chinese, naming the file's parts at most
        assert not re.search(r"[A-Za-z]", re.sub(r"(?i)[\w/]+\.xml|badzipfile|ofd|xml|dtd|zip|pdf", "", d.reason)), (what, d.reason)


def test_an_ofd_is_read_in_the_reader_process(tmp_path):
    """The same worker process and time limit as every document (flows/documents.py)."""
    from flows.documents import read_all

    path = tmp_path / "a.ofd"
    path.write_bytes(plan_ofd())
    [d] = read_all([(str(path), "材料.ofd")], DEFAULT_LIMITS, 120)
    assert (d.format, d.status, d.kind, d.doc_date) == ("ofd", "read", PLAN, dt.date(2018, 5, 12))
    slow = tmp_path / "b.ofd"
    slow.write_bytes(plan_ofd(pages=300))
    [stopped] = read_all([(str(slow), "田家庵区实施方案.ofd")], DEFAULT_LIMITS, 0.001)   # past the limit: stopped
    assert (stopped.status, stopped.kind, [i.rule for i in stopped.issues]) == ("unreadable", PLAN, ["DOCUMENT_UNREADABLE"])


# --- titles where documents put them --------------------------------------------------------------------

@pytest.mark.parametrize("lines, title", [
    (["附件1", "淮处非〔2018〕1号", "田家庵区防范和处置非法集资", "专项排查实施方案",
      "按照市处非领导小组统一部署，结合我区实际，制定本方案。"], "田家庵区防范和处置非法集资专项排查实施方案"),
    (["防范和处置非法集资", "工作动态", "（第3期）", "淮南市处非办        2018年6月19日", "凤台县全面开展风险排查"],
     "防范和处置非法集资工作动态"),
    (["淮南市公安局", "关于报送风险排查工作信息的报告", "市处非办："], "关于报送风险排查工作信息的报告"),
    (["- 1 -", "2018年6月19日", "按照市处非领导小组统一部署，结合我区实际，制定本方案。", "八公山区专项排查工作信息"],
     "八公山区专项排查工作信息"),
    (["按照市处非领导小组统一部署，结合我区实际，制定本方案。", "一、工作目标"],
     "按照市处非领导小组统一部署，结合我区实际，制定本方案。"),      # nothing else to take
    (["关于近期工作的几点说明", "现将有关情况说明如下。"], "关于近期工作的几点说明"),
    (["附件：", "第1页 共3页", "二〇一八年七月十九日"], None),
    # a PDF wraps body text before its 。: a wrapped line (a comma in it) is no title, even with 信息 in it
    (["关于近期工作的几点说明", "根据市处非办工作信息要求，现将我单位近期", "工作情况说明如下。"], "关于近期工作的几点说明"),
    (["田家庵区处置非法集资工作领导小组办公室", "田处非办〔2018〕3号",
      "田家庵区处置非法集资工作领导小组办公室关于印发涉嫌非法集资风险专项排查实施方案的通知", "各乡镇、街道："],
     "田家庵区处置非法集资工作领导小组办公室关于印发涉嫌非法集资风险专项排查实施方案的通知"),
])
def test_title_from_the_first_lines(lines, title):
    assert heading_of(lines) == title


def _docx_with_table_title(title: str, body: list[str]) -> bytes:
    """A WPS template: the red header and the title typed into a one-column table, body below."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=1)
    for row, text in zip(table.rows, ["寿县处置非法集资工作领导小组办公室", "寿处非办〔2018〕5号", title]):
        row.cells[0].text = text
    for text in body:
        document.add_paragraph(text)
    document.add_paragraph(chinese_date(dt.date(2018, 7, 18)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_with_text_box_title(title: str, body: list[str]) -> bytes:
    """The title in a text box, as Word writes one: a DrawingML shape (wps:txbx) and its VML copy
    under mc:Fallback, both holding a w:txbxContent, anchored in an otherwise empty paragraph."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    anchor = document.add_paragraph()
    box = f'<w:txbxContent xmlns:w="{_W}"><w:p><w:r><w:t>{title}</w:t></w:r></w:p></w:txbxContent>'
    run = parse_xml(
        f'<w:r xmlns:w="{_W}" xmlns:mc="{_MC}" xmlns:wps="{_WPS}" xmlns:wp="{_WP}" xmlns:a="{_A}" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" '
        'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column">'
        '<wp:posOffset>0</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0'
        '</wp:posOffset></wp:positionV><wp:extent cx="5000000" cy="600000"/><wp:wrapTopAndBottom/>'
        '<wp:docPr id="1" name="文本框 1"/><a:graphic><a:graphicData '
        f'uri="{_WPS}"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx>{box}</wps:txbx><wps:bodyPr/>'
        '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>'
        f'<v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    anchor._p.append(run)
    for text in body:
        document.add_paragraph(text)
    document.add_paragraph(chinese_date(dt.date(2018, 6, 22)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_title_in_a_table_cell():
    body = ["根据《寿县专项排查实施方案》，现将排查工作总结如下。", "一、排查工作开展情况"]
    d = read_document(_docx_with_table_title("寿县涉嫌非法集资风险专项排查工作总结", body), "寿县材料.docx")
    assert (d.kind, d.sure, d.title) == (SUMMARY, True, "寿县涉嫌非法集资风险专项排查工作总结")
    assert d.doc_date == dt.date(2018, 7, 18)
    # before: the table was left out and the first body sentence (two kinds in it) was the title
    assert heading_of(body) == body[0]


def test_docx_title_in_a_text_box():
    title = "潘集区防范非法集资工作动态（第2期）"
    body = ["按照市处非领导小组统一部署和《潘集区专项排查实施方案》要求，我区开展了专项排查。", "一、亮点工作及成效"]
    data = _docx_with_text_box_title(title, body)
    import docx   # python-docx's paragraphs do not see the text box

    assert title not in "".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    d = read_document(data, "潘集区材料.docx")
    assert (d.kind, d.sure, d.title, d.doc_date) == (UPDATE, True, title, dt.date(2018, 6, 22))
    assert heading_of(body) == body[0]    # what the title was before: a body sentence naming a 实施方案


def test_docx_styled_title_and_section_headings():
    """A paragraph styled 标题/Title is the title; a Heading that is a section heading (一、…) is not."""
    import docx

    document = docx.Document()
    document.add_heading("一、工作目标", level=1)
    document.add_paragraph("淮南市教育局风险排查工作信息")
    document.add_paragraph("按照市处非领导小组统一部署，现将有关情况报告如下。")
    out = io.BytesIO()
    document.save(out)
    d = read_document(out.getvalue(), "教育局.docx")
    assert (d.title, d.kind) == ("淮南市教育局风险排查工作信息", UPDATE)
    styled = read_document(docx_bytes("大通区风险排查工作总结", ["一、基本情况"]), "x.docx")
    assert (styled.title, styled.kind) == ("大通区风险排查工作总结", SUMMARY)


def test_pdf_title_broken_over_two_lines():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    pdf_bytes("x", [])   # registers the CID font the project's PDFs use
    assert "STSong-Light" in pdfmetrics.getRegisteredFontNames()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    width, height = A4
    c.setFont("STSong-Light", 12)
    c.drawString(72, height - 50, "附件2")
    c.drawCentredString(width / 2, height - 70, "谢家集区处非办〔2018〕7号")
    c.setFont("STSong-Light", 20)
    c.drawCentredString(width / 2, height - 110, "谢家集区涉嫌非法集资风险")
    c.drawCentredString(width / 2, height - 138, "专项排查工作总结报告")
    c.setFont("STSong-Light", 12)
    c.drawString(72, height - 180, "按照市处非领导小组统一部署，结合我区实际，制定并落实了排查方案。")
    c.drawRightString(width - 72, 120, "二〇一八年七月十六日")
    c.drawCentredString(width / 2, 40, "- 1 -")
    c.showPage()
    c.save()
    d = read_document(out.getvalue(), "谢家集区.pdf")
    assert (d.format, d.title, d.kind, d.sure) == ("pdf", "谢家集区涉嫌非法集资风险专项排查工作总结报告", SUMMARY, True)
    assert d.doc_date == dt.date(2018, 7, 16)


# --- archives: the receipt asks for the files themselves ----------------------------------------------------

def _zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name, asks, never", [
    ("大通区材料.zip", ["解压", "分别直接放入本单位文件夹"], ["另存为 .xlsx"]),
    ("大通区材料.rar", ["解压", "分别直接放入本单位文件夹"], ["另存为 .xlsx"]),
    ("大通区材料.7z", ["解压"], ["另存为 .xlsx"]),
    ("大通区.et", ["另存为 .xlsx"], ["解压"]),
    ("大通区.csv", ["另存为 .xlsx"], ["解压"]),
    ("大通区工作信息.rtf", ["另存为 .docx 或 .pdf"], ["解压"]),
])
def test_what_a_file_not_taken_is_asked_for(config, name, asks, never):
    from publish.receipts import receipt_html
    from publish.words import expected, explanation, sentence
    from transforms.submission import examine

    data = _zip_of({"大通区实施方案.docx": docx_bytes("大通区实施方案", ["正文"])})
    _, forms, issues = examine(data, name, "大通区", "county", config.intake)
    [issue] = issues
    assert (issue.rule, issue.severity, forms) == ("UNSUPPORTED_FORMAT", "error", [])
    row = {"rule": issue.rule, "value": issue.value, "message": issue.message, "severity": issue.severity}
    html = receipt_html({"unit": "大通区", "file_name": name, "status": "rejected", "sha256": "ab" * 32,
                         "error_count": 1, "warning_count": 0}, [row], "活动", dt.datetime(2018, 7, 21, 2))
    for text in (issue.message, explanation(row), expected(row), sentence(row), html):
        assert all(a in text for a in asks), (name, text)
        assert not any(n in text for n in never), (name, text)
    if name.endswith(".zip"):   # the whole request: forms and documents each on its own
        assert all(f in expected(row) for f in (".xlsx", ".docx", ".pdf", ".ofd"))
        assert explanation(row).startswith("压缩包（.zip）不予拆包读取")


def test_a_config_that_lists_no_ofd_still_takes_an_ofd_as_a_document(config):
    """A config file written before .ofd was read: the reader's formats are documents all the same."""
    from campaign.obligations import document_settings

    old = copy.deepcopy(config)
    old.raw["documents"] = {**config.raw["documents"], "extensions": [".docx", ".doc", ".wps", ".pdf", ".txt"]}
    assert ".ofd" in document_settings(old)["extensions"]


# --- through the flow -------------------------------------------------------------------------------------------

def test_an_ofd_in_a_unit_folder_goes_through_the_night(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "田家庵区", "田家庵区专项排查方案.ofd", plan_ofd(pages=2), at("2018-05-12"))
    update = ofd_bytes([[(50, 30, "市公安局防范和处置非法集资", 7.0), (62, 40, "工作动态信息（第1期）", 7.0),
                         (25, 60, "一、亮点工作及成效", 4.2), (130, 250, "2018年6月8日", 4.2)]])
    drop(box, "市公安局", "市公安局.ofd", update, at("2018-06-08"))
    drop(box, "寿县", "寿县总结报告.ofd", plan_ofd(pages=3)[:1500], at("2018-07-18"))   # truncated in transit
    drop(box, "大通区", "大通区材料.zip",
         _zip_of({"大通区实施方案.docx": docx_bytes("大通区实施方案", ["正文"]), "大通区.xlsx": b"PK\x03\x04"}),
         at("2018-05-13"))
    result = nightly_flow(inbox=str(box), data_dir=str(data), date="2018-07-21")
    db = data / "campaign.duckdb"
    verdicts = {v.receipt.inbox_path: v.status for v in result.ingest.verdicts}
    assert verdicts == {"田家庵区/田家庵区专项排查方案.ofd": "accepted", "市公安局/市公安局.ofd": "accepted",
                        "寿县/寿县总结报告.ofd": "rejected", "大通区/大通区材料.zip": "rejected"}
    docs = {r[0]: r[1:] for r in q(db, """SELECT inbox_path, format, kind, title, doc_date, date_source, status, pages
                                          FROM documents""")}
    assert docs["田家庵区/田家庵区专项排查方案.ofd"] == (
        "ofd", PLAN, "田家庵区防范和处置非法集资专项排查实施方案", dt.date(2018, 5, 12), "text", "accepted", 2)
    assert docs["市公安局/市公安局.ofd"][:5] == (
        "ofd", UPDATE, "市公安局防范和处置非法集资工作动态信息（第1期）", dt.date(2018, 6, 8), "text")
    # the truncated one: registered by its name, unreadable, not counted
    assert docs["寿县/寿县总结报告.ofd"][1:3] == (SUMMARY, "寿县总结报告") and docs["寿县/寿县总结报告.ofd"][5] == "unreadable"
    assert "大通区/大通区材料.zip" not in docs
    issues = dict(q(db, "SELECT file_name, rule FROM validation_issues WHERE severity = 'error'"))
    assert issues == {"寿县总结报告.ofd": "DOCUMENT_UNREADABLE", "大通区材料.zip": "UNSUPPORTED_FORMAT"}
    assert q(db, """SELECT unit, obligation, received FROM obligations
                     WHERE (unit, obligation) IN (('田家庵区', '实施方案'), ('市公安局', '工作动态信息'),
                                                  ('寿县', '总结报告')) ORDER BY unit""") == [
        ("寿县", SUMMARY, 0), ("市公安局", UPDATE, 1), ("田家庵区", PLAN, 1)]
    [receipt] = list((data / "receipts" / "大通区").glob("大通区材料_*.html"))
    text = receipt.read_text(encoding="utf-8")
    assert "解压" in text and "另存为 .xlsx" not in text
    [ofd_receipt] = list((data / "receipts" / "田家庵区").glob("田家庵区专项排查方案_*.html"))
    assert "已收到：实施方案" in ofd_receipt.read_text(encoding="utf-8")
    assert OTHER not in {d[1] for d in docs.values()}
