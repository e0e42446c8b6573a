"""A document's title, taken from where documents put it (pure: text and XML elements in, text out).

Units' documents do not always start with their title: a red header (发文机关), a document number
(淮X〔2018〕N号), an 附件 mark or an issue number (第3期) may come first; WPS templates type the
title into a table cell or a text box (w:txbxContent, which python-docx's paragraphs leave out);
a PDF or OFD gives lines, and a long title is broken over two of them. So the title is chosen
among the first lines of the document, in this order:

1. a paragraph styled as a title (Title, 标题, or a Heading that is no section heading such as
   “一、工作目标”);
2. a line that reads as a title (short, no ，。； in it, no ： at its end, no section heading) with
   a kind mark (实施方案, 工作动态, 信息, 总结, 报告, 简报 …) near the top, together with the line
   before it when the title was broken over two lines (not when that line is the issuing office,
   …局/…办, or the title line starts a title itself, 关于…);
3. the first line that reads as a title;
4. the first line.

A body sentence (“按照市处非领导小组统一部署，……制定本方案。”: long, commas, ending with 。) is
never chosen over a line that reads as a title; 附件 marks, document and issue numbers (淮X〔2018〕
N号, 第3期), page numbers and dates are never a title.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable

TOP_LINES = 15          # lines of the document's top where its title is looked for
TITLE_MAX = 60          # characters (spaces aside) a title line has at most (…关于印发…实施方案的通知 ≈ 50)
_JOIN_MAX = 30          # the first half of a broken title is shorter than this

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

# lines that are no title: 附件 marks, document and issue numbers, page numbers, urgency/secrecy marks
_MARK = re.compile(
    r"^(附\s*件\s*[\d一二三四五六七八九十]*\s*[:：]?"
    r"|[\w\s]*[〔\[【（(]\s*\d{4}\s*[〕\]】）)]\s*第?\s*\d+\s*号"
    r"|[（(]?\s*(总\s*)?第?\s*[\d一二三四五六七八九十〇]+\s*期\s*[)）]?"
    r"|第\s*\d+\s*页(\s*[,，]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|[-—－–]*\s*\d+\s*[-—－–]*"
    r"|(特急|加急|急件|平急|特提|秘密|机密|绝密|内部资料|签发人.*|密级.*|★.*))$")
_DATE_ONLY = re.compile(r"^[（(]?\s*[\d〇○零一二三四五六七八九十]+\s*年\s*[\d〇○零一二三四五六七八九十]+\s*月"
                        r"\s*[\d〇○零一二三四五六七八九十]+\s*日\s*[)）]?$|^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")
_SENTENCE_END = "。；;，,：:！!？?"
_IN_SENTENCE = "。；;，,"       # NFKC turns the full-width ，；into , ;
_SECTION = re.compile(r"^([（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．](?!\d))")
_ORGAN_END = re.compile(r"(局|办|办公室|委员会|委|领导小组|人民政府|政府|支行|分行|分局|中心|厅|公司)$")


def clean(text: str) -> str:
    """One line: runs of spaces (and a line break inside a paragraph) become one space."""
    return " ".join((text or "").split())


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def is_mark(text: str) -> bool:
    """An 附件 mark, a document or issue number, a page number, a bare date, a secrecy mark."""
    plain = _plain(text)
    return len(plain) < 2 or bool(_MARK.match(plain)) or bool(_DATE_ONLY.match(plain))


def _reads_as_title(text: str) -> bool:
    """Short, no sentence (no ，。； in it, no ： at its end: a title has none, a line of body text
    — even one a PDF wrapped before its 。 — mostly has), no section heading (一、…)."""
    plain = _plain(text)
    return (2 <= len(plain) <= TITLE_MAX and plain[-1] not in _SENTENCE_END and not _SECTION.match(plain)
            and not any(ch in plain for ch in _IN_SENTENCE))


def _joined(first: str, second: str) -> str:
    """Two halves of a broken title: no space between Chinese characters."""
    if first and second and first[-1].isascii() and second[0].isascii():
        return f"{first} {second}"
    return first + second


def _first_half(prev: str | None, line: str, has_kind: Callable[[str], bool]) -> bool:
    """Is `prev` (the line right above the title line) the first half of the same title?

    Not when it is a header of its own: the issuing office (…局, …办), a mark, a sentence, a line
    with its own kind mark, or when the title line starts a title itself (关于…)."""
    if prev is None or is_mark(prev) or has_kind(prev):
        return False
    plain, head = _plain(prev), _plain(line)
    return (len(plain) < _JOIN_MAX and plain[-1] not in _SENTENCE_END and not _SECTION.match(plain)
            and not _ORGAN_END.search(plain) and not head.startswith("关于"))


def title_of(lines: Iterable[str], has_kind: Callable[[str], bool], styled: Iterable[str] = ()) -> str | None:
    """The title among a document's first lines (in document order, from every place text sits:
    paragraphs, table cells, text boxes, PDF/OFD lines). styled: the texts of those lines styled as
    a title or heading. has_kind: does a text carry a kind mark (transforms.documents)."""
    top = [x for x in (clean(x) for x in lines) if x][:TOP_LINES]
    marked = {clean(x) for x in styled}
    titles = [i for i, line in enumerate(top) if not is_mark(line) and _reads_as_title(line)]
    kinds = [i for i in titles if has_kind(top[i])]
    for i in [i for i in kinds if top[i] in marked] or kinds:
        prev = top[i - 1] if i else None
        if prev is not None and prev in marked and top[i] not in marked:
            prev = None       # a styled line above an unstyled one is a title of its own (the issuer)
        return (_joined(prev, top[i]) if _first_half(prev, top[i], has_kind) else top[i])[:200]
    for i in [i for i in titles if top[i] in marked] or titles:
        return top[i][:200]
    for line in top:
        if not is_mark(line):
            return line[:200]
    return None


# --- where a .docx keeps its text ---------------------------------------------------------------

def _text(p) -> str:
    """A w:p's own text (its runs, tabs and breaks), not that of the text boxes anchored in it."""
    out = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if _owner(el) is p:
            out.append((el.text or "") if el.tag == f"{_W}t" else " ")
    return "".join(out)


def _owner(el):
    """The nearest w:p above `el`."""
    for a in el.iterancestors(f"{_W}p"):
        return a
    return None


def _owner_box(p):
    """The nearest w:txbxContent above `p`."""
    for a in p.iterancestors(f"{_W}txbxContent"):
        return a
    return None


def text_boxes(p) -> list:
    """The w:txbxContent anchored in a paragraph, each once: Word writes a text box twice (the
    DrawingML one and, under mc:Fallback, its VML copy)."""
    return [box for box in p.iter(f"{_W}txbxContent")
            if not any(a.tag == _MC_FALLBACK for a in box.iterancestors())
            and not any(a.tag == f"{_W}txbxContent" for a in box.iterancestors())]


def docx_blocks(body, style_of: Callable[[object], str], max_rows: int = 6):
    """(text, where, style name) of a .docx body in reading order: where is 'p' (a paragraph),
    'box' (a paragraph of a text box, before the paragraph it is anchored in) or 'cell' (a
    paragraph of a table cell, in the first `max_rows` rows of each table). Content controls
    (w:sdt, e.g. a cover page) are read through. style_of(w:p) -> its style name."""
    def paragraph(p, where):
        for box in text_boxes(p):
            for inner in box.iter(f"{_W}p"):
                if _owner_box(inner) is box:
                    yield clean(_text(inner)), "box", style_of(inner)
        yield clean(_text(p)), where, style_of(p)

    def walk(parent, where="p"):
        for child in parent.iterchildren():
            if child.tag == f"{_W}p":
                yield from paragraph(child, where)
            elif child.tag == f"{_W}tbl":
                for row in list(child.iterchildren(f"{_W}tr"))[:max_rows]:
                    for tc in row.iterchildren(f"{_W}tc"):      # a merged cell is one w:tc
                        yield from walk(tc, "cell")
            elif child.tag == f"{_W}sdt":
                for content in child.iterchildren(f"{_W}sdtContent"):
                    yield from walk(content, where)
    yield from walk(body)


def is_title_style(name: str) -> bool:
    """Title, Subtitle aside; 标题 (WPS/Word in Chinese); Heading N."""
    name = (name or "").strip()
    return name == "Title" or name.startswith("Heading") or "标题" in name
