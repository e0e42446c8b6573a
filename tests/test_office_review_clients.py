"""A filled 待核对 copy as another client saves it (xlsxwriter, the way LibreOffice/WPS rewrite a
workbook: own sheet order, a note row above the header, an added column) is read by its header
labels and hidden keys, row by row; a blank row stays open and a value outside the list is refused."""
from __future__ import annotations

import io

import xlsxwriter

from transforms.office_review import DOCS_SHEET, PAIRS_SHEET, read_review


def _xlsxwriter_copy() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    docs = wb.add_worksheet(DOCS_SHEET)            # sheets in another order than the writer's
    pairs = wb.add_worksheet(PAIRS_SHEET)
    pairs.write_row(0, 0, ["请在“判定”栏选择"])
    pairs.write_row(1, 0, ["备注（办公室加的）", "企业名称A", "企业名称B", "判定", "键A", "键B"])
    pairs.write_row(2, 0, ["", "甲公司", "甲有限公司", "同一企业", "甲公司", "甲有限公司"])
    pairs.write_row(3, 0, ["", "乙公司", "乙贸易公司", "", "乙公司", "乙贸易公司"])
    pairs.write_row(4, 0, ["", "丙公司", "丙商贸公司", "是", "丙公司", "丙商贸公司"])
    pairs.set_column(4, 5, None, None, {"hidden": True})
    docs.write_row(0, 0, ["类别待核定的材料"])
    docs.write_row(1, 0, ["报送单位", "文件名", "类别", "文件编号"])
    docs.write_row(2, 0, ["寿县", "材料.docx", "总结报告", "ab" * 32])
    wb.close()
    return buf.getvalue()


def test_a_copy_saved_by_another_client_is_read_by_its_labels():
    review = read_review(_xlsxwriter_copy())
    assert review.problem is None and review.blank == 1
    got = [(d.kind, d.row, d.subject, d.value, d.written) for d in review.decisions]
    assert got == [("pair", 3, ("甲公司", "甲有限公司"), "same", "同一企业"),
                   ("pair", 5, ("丙公司", "丙商贸公司"), None, "是"),
                   ("document", 3, ("寿县", "ab" * 32), "总结报告", "总结报告")]


def test_a_file_that_is_not_a_review_workbook_says_so():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("Sheet1").write(0, 0, "x")
    wb.close()
    review = read_review(buf.getvalue())
    assert review.decisions == [] and "待核对表" in review.problem
    assert "无法" in read_review(b"not a workbook").problem
