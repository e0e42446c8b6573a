"""Documents a unit sends besides the forms (notice 六（四）): read, classify and date them.

Pure: bytes and a file name in, a DocumentRead out (no file system, no database, no Prefect).
Reading is guarded like reading a workbook: a .docx and an .ofd are zips of XML, checked for zip
bombs and DTD/entity declarations before python-docx / ofdkit (transforms/ofd.py) see them; a
.pdf is size- and page-limited and read by pypdf; nothing here raises for bad input: a document
that cannot be read is recorded with a plain reason, classified by its file name alone, and not
counted against the obligations. The title is taken from where documents put it
(transforms/doc_titles.py) and classifies the document together with the file name.

Kinds: 实施方案 (implementation plan), 工作动态信息 (work-update reports), 总结报告 (final
summary report), 其他 (anything else, or unsure: then with a warning, and ops set it by hand).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from campaign.document_kinds import DEFAULT_LIMITS, OTHER, PLAN, SUMMARY, UPDATE
from transforms.doc_container import DocumentError, check_zip_container
from transforms.doc_titles import TOP_LINES, docx_blocks, is_title_style, title_of
from transforms.ofd import ofd_text
from transforms.sheet import CFB_MAGIC, ZIP_MAGIC
from transforms.issues import Issue, error, warning
from transforms.text import decode_office_text



@dataclass
class DocumentRead:
    """What a document says about itself."""
    format: str                    # docx | pdf | ofd | doc | wps | txt (by content where it can be told)
    status: str                    # read (text read) | by_name (.doc/.wps: name only) | unreadable
    kind: str                      # one of KINDS
    sure: bool                     # False: 其他 because the rules could not tell (a warning says why)
    title: str | None = None       # the title (transforms/doc_titles.py), else the file name's stem
    doc_date: dt.date | None = None   # the date in the text (落款, else the title line)
    pages: int | None = None       # .pdf / .ofd
    characters: int | None = None  # characters of text read
    reason: str | None = None      # why it could not be read (unreadable)
    issues: list[Issue] = field(default_factory=list)


# --- classification -------------------------------------------------------------------------

# strong marks decide alone; weak marks only when no strong mark of any kind is present
_STRONG = {PLAN: ("实施方案", "工作方案", "排查方案"),
           UPDATE: ("工作动态", "动态信息", "工作信息", "信息专报", "工作简报", "简报"),
           SUMMARY: ("总结报告", "工作总结", "排查总结", "总结")}
_WEAK = {PLAN: ("方案",), UPDATE: ("动态", "信息", "快报", "专报"), SUMMARY: ("情况报告", "情况的报告", "报告")}


def _kinds_in(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text or "")
    strong = {k for k, marks in _STRONG.items() if any(m in text for m in marks)}
    if strong:
        return strong
    return {k for k, marks in _WEAK.items() if any(m in text for m in marks)}


def classify(file_name: str, heading: str | None) -> tuple[str, bool, str | None]:
    """(kind, sure, why unsure) from the file name and the first heading.

    Sure when the name and the heading point to one kind (or one of them does and the other says
    nothing); 其他 and unsure when they point to different kinds, or to none."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    by_name, by_head = _kinds_in(stem), _kinds_in(heading or "")
    found = [s for s in (by_name, by_head) if s]
    if not found:
        return OTHER, False, "文件名和标题都看不出是实施方案、工作动态信息还是总结报告"
    if any(len(s) > 1 for s in found) or (len(found) == 2 and by_name != by_head):
        named = "、".join(sorted(by_name | by_head))
        return OTHER, False, f"文件名和标题指向不同的材料类别（{named}）"
    return next(iter(found[0])), True, None


# --- dates -----------------------------------------------------------------------------------

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇○零Ｏ一二三四五六七八九十"
_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(rf"([{_CN}Oo]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,3}})\s*日"),
    re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)"),
)


def _cn_number(text: str) -> int | None:
    """一 .. 三十一 (月/日) or a digit-by-digit year 二〇一八."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGIT.get(tens, None) if tens else 1
        o = _CN_DIGIT.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    digits = [_CN_DIGIT.get(ch) for ch in text]
    return None if None in digits else int("".join(str(d) for d in digits))


def dates_in(text: str) -> list[dt.date]:
    """Every plausible date written in the text, in the order written (Arabic or Chinese numerals:
    2018年7月19日, 二〇一八年七月十九日, 2018-07-19, 2018.7.19)."""
    text = unicodedata.normalize("NFKC", text or "")
    found: list[tuple[int, dt.date]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            y, mo, d = (_cn_number(g) for g in m.groups())
            if None in (y, mo, d) or not 2000 <= y <= 2100:
                continue
            try:
                found.append((m.start(), dt.date(y, mo, d)))
            except ValueError:
                continue
    return [d for _, d in sorted(found)]


def document_date(lines: list[str]) -> dt.date | None:
    """The date of a document: the last date in its last lines (the 落款 under the signature), else
    the first date in its first lines (a title line such as “（2018年6月19日）”)."""
    tail = dates_in("\n".join(lines[-8:]))
    if tail:
        return tail[-1]
    head = dates_in("\n".join(lines[:4]))
    return head[0] if head else None


def heading_of(lines: list[str], styled: list[str] | tuple[str, ...] = ()) -> str | None:
    """The title among a document's first lines (transforms/doc_titles.py): a styled title, else a
    short line with a kind mark near the top (a title broken over two lines joined), else the first
    short line that is no sentence; never an 附件 mark, a document number, a page number or a date."""
    return title_of(lines, lambda text: bool(_kinds_in(text)), styled)


# --- readers ---------------------------------------------------------------------------------

def _docx_lines(data: bytes, limits: dict) -> tuple[list[str], list[str], list[str], int]:
    """(body lines, top lines, styled top lines, characters) of a .docx.

    Body lines (for the date): paragraphs and text boxes in reading order. Top lines (for the
    title): the first of every place text sits, table cells too (transforms/doc_titles.py);
    styled: those of them styled as a title or heading."""
    import docx   # python-docx

    check_zip_container(data, int(limits["max_uncompressed_bytes"]))
    try:
        document = docx.Document(io.BytesIO(data))
        names = {s.style_id: s.name or "" for s in document.styles}
    except Exception as exc:   # python-docx raises many kinds for a broken package
        raise DocumentError("DOCUMENT_UNREADABLE", f"Word 文档无法打开（{type(exc).__name__}）") from None
    default = names.get("Normal", "Normal")   # a paragraph without w:pStyle
    lines, top, styled, size = [], [], [], 0
    for text, where, style in docx_blocks(document.element.body, lambda p: names.get(p.style, default)):
        if not text:
            continue
        if len(top) < TOP_LINES:
            top.append(text)
            if is_title_style(style):
                styled.append(text)
        if where != "cell":   # a table's dates are no 落款 (a data table after it has dates too)
            lines.append(text)
        size += len(text)
        if size > int(limits["max_text_chars"]):
            break
    return lines, top, styled, size


def _pdf_text(data: bytes, limits: dict) -> tuple[list[str], int]:
    """The text lines of the first pages and the last page, and the page count."""
    import logging

    import pypdf
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)   # a damaged PDF is a verdict, not log noise
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise DocumentError("DOCUMENT_UNREADABLE", "不是 PDF 文件（没有 %PDF 文件头）")
    if b"%%EOF" not in data[-2048:]:
        raise DocumentError("DOCUMENT_UNREADABLE", "PDF 文件不完整（没有文件结尾 %%EOF，可能传输中被截断）")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise DocumentError("ENCRYPTED_FILE", "PDF 已加密（设置了打开密码），无法读取")
            except DocumentError:
                raise
            except Exception:
                raise DocumentError("ENCRYPTED_FILE", "PDF 已加密（设置了打开密码），无法读取") from None
        pages = len(reader.pages)
        if pages > int(limits["max_pdf_pages"]):
            raise DocumentError("DOCUMENT_TOO_LONG", f"PDF 有 {pages} 页，超过可读取的 {limits['max_pdf_pages']} 页",
                                str(pages))
        if pages == 0:
            raise DocumentError("DOCUMENT_UNREADABLE", "PDF 没有页面")
        wanted = list(range(min(pages, int(limits["read_pages"]))))
        if pages - 1 not in wanted:
            wanted.append(pages - 1)
        lines, size = [], 0
        for i in wanted:
            text = reader.pages[i].extract_text() or ""
            for line in text.splitlines():
                if line.strip() and size < int(limits["max_text_chars"]):
                    lines.append(line.strip())
                    size += len(line)
        return lines, pages
    except DocumentError:
        raise
    except (PyPdfError, Exception) as exc:   # noqa: B014 - pypdf raises plain exceptions on broken files too
        raise DocumentError("DOCUMENT_UNREADABLE", f"PDF 文件损坏，无法读取（{type(exc).__name__}）") from None


def _txt_lines(data: bytes, limits: dict) -> list[str]:
    head = data[: int(limits["max_text_chars"]) * 4]
    text = decode_office_text(head)
    if text is None:
        text = head.decode("utf-8", "replace")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _format_of(data: bytes, suffix: str) -> str:
    """What the bytes are, whatever the name says: a .doc saved as .docx by WPS, a PDF named .doc."""
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = {n.lower().lstrip("/") for n in zf.namelist()}
            if "ofd.xml" in names or ("word/document.xml" not in names and suffix == ".ofd"):
                return "ofd"
            return "docx"
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
            return "ofd" if suffix == ".ofd" else "docx"   # a broken zip: as its name says
    if data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(CFB_MAGIC):
        return "wps" if suffix == ".wps" else "doc"
    return suffix.lstrip(".") or "txt"


# what the unit is asked to do with a document that could not be read, by what it is
_RESAVE = {"ofd": "请用 OFD 阅读器（或 WPS）打开确认后重新导出（或另存为 PDF）再报送。",
           "pdf": "请重新导出 PDF（或用 Word、WPS 另存为 PDF）再报送。"}
_RESAVE_WORD = "请用 Word 或 WPS 打开确认后重新保存（或另存为 PDF）再报送。"


def read_document(data: bytes, file_name: str, limits: dict | None = None) -> DocumentRead:
    """Read, classify (by the title, transforms/doc_titles.py, and the file name) and date one
    document. Never raises for bad input."""
    limits = {**DEFAULT_LIMITS, **(limits or {})}
    suffix = ("." + file_name.rsplit(".", 1)[-1].lower()) if "." in file_name else ""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    fmt = _format_of(data, suffix)
    lines: list[str] = []
    top: list[str] | None = None     # where the title is looked for, when not the lines' first ones
    styled: list[str] = []
    pages, status, reason, rule, value, size = None, "read", None, None, None, None
    try:
        if len(data) > int(limits["max_file_bytes"]):
            raise DocumentError("FILE_TOO_LARGE", f"文件过大（{len(data)} 字节），超过上限 {limits['max_file_bytes']}",
                                str(len(data)))
        if fmt == "docx":
            lines, top, styled, size = _docx_lines(data, limits)
        elif fmt == "pdf":
            lines, pages = _pdf_text(data, limits)
        elif fmt == "ofd":
            lines, pages = ofd_text(data, limits)
        elif fmt == "txt" and suffix == ".txt":
            lines = _txt_lines(data, limits)
        else:   # .doc / .wps (binary Word/WPS): read by name only
            status = "by_name"
            if not data:
                raise DocumentError("DOCUMENT_UNREADABLE", "文件为空")
    except DocumentError as exc:
        status, reason, rule, value = "unreadable", exc.message, exc.rule, exc.value
    except Exception as exc:   # a bug of ours, or a reader crash: the file is recorded, never lost
        status, reason, rule = "unreadable", f"读取时出错（{type(exc).__name__}）", "DOCUMENT_UNREADABLE"
    if status == "unreadable":
        lines, top, styled, size = [], None, [], None
    heading = heading_of(lines if top is None else top, styled)
    kind, sure, why = classify(file_name, heading)
    characters = size if size is not None else len("".join(lines))
    doc_date = document_date(lines) or (document_date(top) if top else None)
    out = DocumentRead(fmt, status, kind, sure, title=(heading or stem)[:200], doc_date=doc_date,
                       pages=pages, characters=characters if status == "read" else None, reason=reason)
    if status == "unreadable":
        out.issues.append(error(rule, f"材料“{file_name}”无法读取：{reason}。本材料暂不计入报送要求，"
                                f"{_RESAVE.get(fmt, _RESAVE_WORD)} Document could not be read ({rule}).", value=value))
    if not sure:
        out.issues.append(warning("DOCUMENT_KIND_UNSURE", f"无法确定材料类别（{why}），暂按“其他”登记；"
                                  "市处非办可手工指定类别。 Kind unsure: recorded as 其他.", value=heading or stem))
    if status == "read" and not characters:
        out.issues.append(warning("DOCUMENT_EMPTY", "材料中没有可读取的文字（可能是扫描件），按文件名分类，按收到日期计。"
                                  " No text in the document (a scan?): classified by name, dated by arrival."))
    return out
