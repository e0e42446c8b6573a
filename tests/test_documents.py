"""Documents (实施方案, 工作动态信息, 总结报告): real .docx (python-docx) and .pdf (reportlab) files,
read back with python-docx and pypdf, dropped beside the forms and run through the real flows."""
from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

import openpyxl
import pytest

from cli.demo_documents import chinese_date, docx_bytes, pdf_bytes
from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from transforms.documents import OTHER, PLAN, SUMMARY, UPDATE, classify, dates_in, read_document
from tests.helpers import cli, q


def at(day: str, hour: int = 10) -> float:
    """A local (Asia/Shanghai) campaign time as a file modification time."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").timestamp()


# --- pure reading --------------------------------------------------------------------------------

def test_dates_in_every_spelling():
    assert dates_in("二〇一八年七月十九日") == [dt.date(2018, 7, 19)]
    assert dates_in("落款：二○一八年五月十日") == [dt.date(2018, 5, 10)]
    assert dates_in("2018年6月1日召开会议，２０１８年６月３０日前报送") == [dt.date(2018, 6, 1), dt.date(2018, 6, 30)]
    assert dates_in("（2018.7.3）") == [dt.date(2018, 7, 3)] and dates_in("2018-07-20") == [dt.date(2018, 7, 20)]
    assert dates_in("二〇一八年二十月一日、7月20日前、2018年2月30日") == []   # impossible or without a year
    assert chinese_date(dt.date(2018, 6, 20)) == "二〇一八年六月二十日"


@pytest.mark.parametrize("name, heading, kind, sure", [
    ("大通区总结报告.docx", None, SUMMARY, True),
    ("大通区工作信息1.pdf", None, UPDATE, True),
    ("材料.docx", "寿县涉嫌非法集资风险专项排查实施方案", PLAN, True),
    ("工作简报第3期.docx", "寿县风险排查工作动态", UPDATE, True),
    ("关于报送情况的说明.docx", "关于近期工作的几点说明", OTHER, False),
    ("实施方案.docx", "专项排查工作总结报告", OTHER, False),          # name and heading disagree
    ("大通区风险排查工作情况的报告.pdf", None, SUMMARY, True),
])
def test_classify(name, heading, kind, sure):
    assert classify(name, heading)[:2] == (kind, sure)


def test_docx_pdf_doc_and_txt_are_read_classified_and_dated():
    d = read_document(docx_bytes("大通区涉嫌非法集资风险专项排查总结报告", ["一、基本情况", "二、存在的问题"],
                                 "大通区处非办", chinese_date(dt.date(2018, 7, 19))), "报告.docx")
    assert (d.format, d.status, d.kind, d.sure, d.doc_date) == ("docx", "read", SUMMARY, True, dt.date(2018, 7, 19))
    assert d.title == "大通区涉嫌非法集资风险专项排查总结报告" and d.characters > 20 and not d.issues
    p = read_document(pdf_bytes("市公安局风险排查工作动态信息", ["亮点工作及成效：……"], "市公安局",
                                "2018年6月19日", pages=3), "市公安局.pdf")
    assert (p.format, p.kind, p.pages, p.doc_date) == ("pdf", UPDATE, 3, dt.date(2018, 6, 19))
    doc = read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "寿县实施方案.doc")
    assert (doc.format, doc.status, doc.kind, doc.doc_date, doc.issues) == ("doc", "by_name", PLAN, None, [])
    # a .docx saved under .doc is read as what it is
    again = read_document(docx_bytes("工作动态（第1期）", [], None, "2018年6月1日"), "材料.doc")
    assert (again.format, again.kind, again.doc_date) == ("docx", UPDATE, dt.date(2018, 6, 1))
    t = read_document("潘集区工作动态信息\n……\n2018年6月2日".encode("gb18030"), "信息.txt")
    assert (t.kind, t.doc_date) == (UPDATE, dt.date(2018, 6, 2))


def _docx_with(part: str, data: bytes, base: bytes | None = None) -> bytes:
    base = base or docx_bytes("工作动态信息", ["正文"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info, src.read(info))
        dst.writestr(part, data)
    return out.getvalue()


def test_hostile_and_broken_documents_get_a_reason_never_an_exception():
    bomb = _docx_with("word/media/pad.bin", b"\0" * 3_000_000)
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
           '<w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>').encode()
    good_pdf = pdf_bytes("工作动态信息", ["正文"], pages=4)
    cases = {
        "zip bomb": (bomb, "工作信息.docx", {"max_uncompressed_bytes": 1_000_000}, "FILE_TOO_LARGE"),
        "entities": (_docx_with("word/document.xml", lol), "工作信息.docx", None, "XML_ENTITIES"),
        "truncated pdf": (good_pdf[: len(good_pdf) // 2], "工作信息.pdf", None, "DOCUMENT_UNREADABLE"),
        "too many pages": (good_pdf, "工作信息.pdf", {"max_pdf_pages": 3}, "DOCUMENT_TOO_LONG"),
        "truncated docx": (bomb[:5000], "工作信息.docx", None, "DOCUMENT_UNREADABLE"),
        "pdf garbage": (b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n", "工作信息.pdf", None, "DOCUMENT_UNREADABLE"),
        "empty doc": (b"", "工作信息.doc", None, "DOCUMENT_UNREADABLE"),
        "no word part": (_docx_with("word/document.xml", b"")[:0] + workbook_bytes({"x": ([["a"]], [])}),
                         "工作信息.docx", None, "DOCUMENT_UNREADABLE"),
    }
    for what, (data, name, limits, rule) in cases.items():
        d = read_document(data, name, limits)
        assert d.status == "unreadable", what
        assert d.kind == UPDATE, what                       # still classified by its name
        errors = [i for i in d.issues if i.severity == "error"]
        assert [i.rule for i in errors] == [rule], what
        assert d.reason and "无法读取" in errors[0].message, what


# --- through the flows ---------------------------------------------------------------------------

def _county(county: str, prosecuted: int = 0) -> bytes:
    rows = form1_values()
    for r in rows:
        if prosecuted and r["problem_count"] >= 1:
            r["prosecuted"], prosecuted = 1, prosecuted - 1
    date = "2018年7月16日"
    return workbook_bytes({"附件1": form1_grid(rows, footer_date=date),
                           "附件2": form2_grid([company(f"{county}甲公司")], footer_date=date),
                           "附件3": form3_grid(county, footer_date=date)})


def _all_zero_department() -> bytes:
    rows = [{**r, **{k: 0 for k in ("screened", "problem_count", "people", "amount", "rectified", "cleaned",
                                    "prosecuted", "unremediated")}, "main_problems": None, "unremediated_reason": None}
            for r in form1_values()]
    return workbook_bytes({"附件1": form1_grid(rows), "附件2": form2_grid([company("淮南乙公司")])})


@pytest.fixture
def inbox(tmp_path):
    box = tmp_path / "inbox"
    # 大通区 sends everything, on time; its 附件1 reports criminal cases while 附件3 qualifies
    drop(box, "大通区", "大通区.xlsx", _county("大通区", prosecuted=2), at("2018-07-16"))
    drop(box, "大通区", "大通区实施方案.docx",
         docx_bytes("大通区涉嫌非法集资风险专项排查活动实施方案", ["一、工作目标"], "大通区处非办",
                    chinese_date(dt.date(2018, 5, 12))), at("2018-05-12"))
    drop(box, "大通区", "大通区工作信息1.pdf",
         pdf_bytes("大通区风险排查工作动态信息（第1期）", ["亮点工作及成效"], "大通区处非办", "2018年6月19日"),
         at("2018-06-19"))
    drop(box, "大通区", "简报2.docx", docx_bytes("大通区风险排查工作动态（第2期）", ["典型案例"], None,
                                               "2018年6月25日", heading_style=False), at("2018-06-25"))
    drop(box, "大通区", "大通区总结报告.docx",
         docx_bytes("大通区涉嫌非法集资风险专项排查总结报告", ["一、基本情况"], "大通区处非办",
                    chinese_date(dt.date(2018, 7, 19))), at("2018-07-19"))
    # 寿县: a late plan as .doc (a binary Word file: by name), one work update as .wps, an unclear
    # document, and three bad ones
    drop(box, "寿县", "寿县.xlsx", _county("寿县"), at("2018-07-16"))
    drop(box, "寿县", "寿县实施方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000), at("2018-05-20"))
    drop(box, "寿县", "寿县工作信息.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000), at("2018-06-01"))
    drop(box, "寿县", "材料.docx", docx_bytes("关于近期工作的几点说明", ["正文"], None, "2018年6月5日"), at("2018-06-05"))
    drop(box, "寿县", "炸弹.docx", _docx_with("word/media/pad.bin", b"\0" * 51_000_000), at("2018-06-06"))
    lol = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    drop(box, "寿县", "实体.docx", _docx_with("word/document.xml", lol), at("2018-06-07"))
    pdf = pdf_bytes("寿县风险排查总结报告", ["正文"], pages=2)
    drop(box, "寿县", "截断的总结报告.pdf", pdf[: len(pdf) // 2], at("2018-07-18"))
    # a department: forms all zero (and a lead), one work update
    drop(box, "市公安局", "市公安局.xlsx", _all_zero_department(), at("2018-07-10"))
    drop(box, "市公安局", "市公安局工作动态.pdf",
         pdf_bytes("市公安局风险排查工作动态信息", ["突出风险及处置措施"], "市公安局", "2018年6月8日"), at("2018-06-08"))
    return box




def test_documents_beside_forms_obligations_assessment_and_hand_kinds(prefect_harness, inbox, tmp_path):
    from flows.nightly import nightly_flow
    from flows.reprocess import reprocess_flow

    data = tmp_path / "data"
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    db = data / "campaign.duckdb"
    verdicts = {v.receipt.inbox_path: v.status for v in result.ingest.verdicts}
    assert len(verdicts) == 14
    # nothing is rejected for its format; the three bad documents are rejected for what they are
    assert q(db, "SELECT count(*) FROM validation_issues WHERE rule = 'UNSUPPORTED_FORMAT'") == [(0,)]
    assert {p for p, s in verdicts.items() if s == "rejected"} == {"寿县/炸弹.docx", "寿县/实体.docx", "寿县/截断的总结报告.pdf"}
    assert dict(q(db, "SELECT file_name, rule FROM validation_issues WHERE severity = 'error'")) == {
        "炸弹.docx": "FILE_TOO_LARGE", "实体.docx": "XML_ENTITIES", "截断的总结报告.pdf": "DOCUMENT_UNREADABLE"}

    docs = {r[0]: r[1:] for r in q(db, """SELECT inbox_path, kind, doc_date, date_source, classified_by, status, format
                                         FROM documents""")}
    assert docs["大通区/大通区实施方案.docx"] == (PLAN, dt.date(2018, 5, 12), "text", "rule", "accepted", "docx")
    assert docs["大通区/大通区工作信息1.pdf"] == (UPDATE, dt.date(2018, 6, 19), "text", "rule", "accepted", "pdf")
    assert docs["大通区/简报2.docx"] == (UPDATE, dt.date(2018, 6, 25), "text", "rule", "accepted", "docx")
    assert docs["大通区/大通区总结报告.docx"] == (SUMMARY, dt.date(2018, 7, 19), "text", "rule", "accepted", "docx")
    assert docs["寿县/寿县实施方案.doc"] == (PLAN, dt.date(2018, 5, 20), "arrival", "rule", "accepted", "doc")
    assert docs["寿县/寿县工作信息.wps"][0] == UPDATE and docs["寿县/材料.docx"][0] == OTHER
    assert docs["寿县/截断的总结报告.pdf"][4] == "unreadable"
    assert q(db, "SELECT pages FROM documents WHERE file_name = '市公安局工作动态.pdf'") == [(1,)]
    assert q(db, "SELECT rule FROM validation_issues WHERE file_name = '材料.docx'") == [("DOCUMENT_KIND_UNSURE",)]

    obligations = {(u, o): r for u, o, *r in q(db, """SELECT unit, obligation, required, received, met, on_time
                                                       FROM obligations""")}
    assert obligations[("大通区", PLAN)] == [1, 1, True, True]
    assert obligations[("大通区", UPDATE)] == [2, 2, True, True]
    assert obligations[("大通区", SUMMARY)] == [1, 1, True, True]
    assert obligations[("寿县", PLAN)] == [1, 1, True, False]          # due 2018-05-17, arrived 05-20
    assert obligations[("寿县", UPDATE)] == [2, 1, False, False]
    assert obligations[("寿县", SUMMARY)] == [1, 0, False, False]      # the truncated one does not count
    assert obligations[("市公安局", UPDATE)] == [1, 1, True, True]       # a department needs one
    assert obligations[("市公安局", SUMMARY)] == [1, 0, False, False]
    assert obligations[("市教育局", PLAN)] == [1, 0, False, False]
    assert q(db, "SELECT count(*) FROM obligations")[0][0] == 3 * 19

    assessment = {r[0]: r[1:] for r in q(db, """SELECT unit, complete, obligations_met, obligations_required, missing,
                                                       forms_accepted, rejected_files, flags FROM assessment""")}
    assert assessment["大通区"][:3] == (True, 3, 3) and assessment["大通区"][-1] == 1
    assert assessment["寿县"] == (False, 1, 3, "工作动态信息、总结报告", 3, 3, 0)
    # an unreadable document is no rejected form: the forms' reporting status is the workbooks'
    assert q(db, "SELECT DISTINCT status, files FROM reporting_status WHERE unit = '寿县'") == [("accepted", 1)]
    assert q(db, "SELECT resubmissions FROM assessment WHERE unit = '寿县'") == [(0,)]
    flags = q(db, "SELECT unit, flag, reason FROM assessment_flags ORDER BY unit, flag")
    assert [(u, f) for u, f, _ in flags] == [("大通区", "QUALIFIES_WITH_CASES"), ("市公安局", "FORM1_ALL_ZERO"),
                                             ("市公安局", "LEADS_GT_PROBLEMS")]
    assert "立案查处机构2个" in flags[0][2]

    # the workbook: 考评 with the units missing an obligation first, documents beside the forms
    wb = openpyxl.load_workbook(result.workbook, read_only=True)
    rows = [r for r in wb["考评"].iter_rows(min_row=4, values_only=True)]
    assert len(rows) == 19 and rows[-1][0] == "大通区" and rows[-1][2] == "是"
    assert rows[0][2] == "否"
    status = [r for r in wb["报送情况"].iter_rows(min_row=4, values_only=True) if r[0] == "大通区"]
    assert [r[2] for r in status] == ["附件1", "附件2", "附件3", "实施方案（至少1篇）", "工作动态信息（至少2篇）",
                                      "总结报告（至少1篇），连同附表"]
    assert status[4][7] == "大通区工作信息1.pdf；简报2.docx"
    assert {r[2] for r in wb["报送材料"].iter_rows(min_row=4, values_only=True)} >= {"简报2.docx", "寿县实施方案.doc"}
    receipts = {p.name: p.read_text(encoding="utf-8") for p in (data / "receipts" / "大通区").iterdir()}
    [second] = [t for n, t in receipts.items() if n.startswith("简报2_")]
    assert "已收到：工作动态信息（第2篇）" in second
    [bad] = [p.read_text(encoding="utf-8") for p in (data / "receipts" / "寿县").iterdir() if p.name.startswith("实体_")]
    assert "材料无法读取" in bad and "DTD" in bad

    # `campaign status` names the units that owe a document
    rc, out, _ = cli("status", "--data-dir", str(data), "--date", "2018-07-21")
    assert rc == 0
    assert "寿县 尚缺 工作动态信息（需2篇，已收1篇）、总结报告（需1篇，已收0篇）" in out

    # ops classify the unclear document by hand: it counts, and stays so through reprocess
    assert cli("documents", "classify", "寿县/材料.docx", "工作动态信息", "--data-dir", str(data))[0] == 0
    rc, _, err = cli("documents", "classify", "材料.docx", "报告", "--data-dir", str(data))
    assert rc == 2 and "unknown kind" in err
    assert q(db, "SELECT met FROM obligations WHERE unit = '寿县' AND obligation = '工作动态信息'") == [(True,)]
    reprocess_flow(data_dir=str(data))
    assert q(db, "SELECT kind, classified_by FROM documents WHERE file_name = '材料.docx'") == [(UPDATE, "hand")]
    assert q(db, "SELECT count(*) FROM documents") == [(11,)]
    rc, listing, _ = cli("documents", "--unit", "寿县", "--data-dir", str(data))
    assert rc == 0
    assert "寿县/材料.docx\t工作动态信息（手工）" in listing and "无法读取" in listing

    # a rerun with nothing new reads nothing again, and a duplicate document is detected
    again = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert again.ingest.verdicts == []
    drop(inbox, "大通区", "总结报告(1).docx", (inbox / "大通区" / "大通区总结报告.docx").read_bytes(), at("2018-07-20"))
    third = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert [v.status for v in third.ingest.verdicts] == ["duplicate"]
    assert q(db, "SELECT status, kind FROM documents WHERE file_name = '总结报告(1).docx'") == [("duplicate", SUMMARY)]
    assert q(db, "SELECT received FROM obligations WHERE unit = '大通区' AND obligation = '总结报告'") == [(1,)]


def test_a_reader_that_does_not_return_is_stopped(tmp_path):
    """Each document is read in a worker process with a time limit: past it, the worker is killed and
    the document recorded as unreadable; the next one is read by a fresh worker."""
    from flows.documents import read_all
    from transforms.documents import DEFAULT_LIMITS

    slow, fine = tmp_path / "a.pdf", tmp_path / "b.pdf"
    slow.write_bytes(pdf_bytes("工作动态信息", ["正文"] * 30, pages=40))
    fine.write_bytes(docx_bytes("寿县实施方案", ["正文"]))
    reads = read_all([(str(slow), "工作信息.pdf")], DEFAULT_LIMITS, 0.001)
    assert [(r.status, r.kind, [i.rule for i in r.issues]) for r in reads] == \
        [("unreadable", UPDATE, ["DOCUMENT_UNREADABLE"])] and "秒" in reads[0].reason
    reads = read_all([(str(fine), "材料.docx")], DEFAULT_LIMITS, 120)
    assert [(r.status, r.kind) for r in reads] == [("read", PLAN)]
