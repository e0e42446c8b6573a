"""Workbook bytes -> plain grids of cell values plus merged ranges.

The parser only ever sees `Sheet` objects, so the xlsx reader behind `read_workbook` can be
swapped. python-calamine (Rust) reads cached cell values and merged ranges ~10x faster than
openpyxl; it never evaluates formulas and never runs macros (an .xlsm's vbaProject.bin is
never opened). `check_container` vets the bytes first (see there): a file can only be read.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from typing import Any

import python_calamine

from transforms.formulas import recalculate, shift_formula
from transforms.issues import Issue, error, warning
from transforms.legacy import OdsScanner, check_xls
from transforms.sheet import (CFB_MAGIC, DEFAULT_MAX_CELLS, DTD_DECLARATION, ENCRYPTED_MARK, MAX_FORMULA_CELLS,
                              HUGE, MAX_FORMULAS, MAX_PARTS, ZIP_MAGIC, Sheet, SheetScan, WorkbookError, cell_ref,
                              column_number, encrypted, too_large, unreadable)

# --------------------------------------------------------------------------------------
# The container check: everything a hostile or broken file could do to the reader is refused
# here, before python-calamine (or any XML parser) sees the bytes.
#
# * not a zip: empty, PDF, text ............................... UNREADABLE_FILE
# * OLE compound file: encrypted OOXML / legacy .xls .......... ENCRYPTED_FILE / UNSUPPORTED_FORMAT
# * .ods / .xlsb / other zip renamed .xlsx .................... UNSUPPORTED_FORMAT / UNREADABLE_FILE
# * zip bomb: declared or actual inflated size over the limit . FILE_TOO_LARGE (nothing is inflated
#   when the declared size is over; inflation stops at the limit when the sizes lie)
# * corrupt member (CRC) ....................................... UNREADABLE_FILE
# * DTD / entity declarations in any XML part (billion laughs,
#   external entities): OOXML parts never carry a DTD ......... XML_ENTITIES
# * a sheet whose used area (A1 to the farthest cell holding a value) is too big: calamine
#   allocates rows x columns cells for it (a single value in XFD1048576 asks for 550 GB and
#   aborts the process) ........................................ SHEET_TOO_LARGE
#
# Every member is inflated once, in 1 MiB chunks (memory stays bounded): that pass verifies the
# CRCs, looks for DTDs, and reads the worksheet XML for the extent of its cells and for formulas
# saved without a cached value (calamine returns '' for those, which would read as 0).

_CHUNK = 1 << 20
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_MAP_PART_LIMIT = 5_000_000       # workbook.xml / its rels larger than this are not parsed for sheet names

_TAG = re.compile(rb"""<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|f|v|is)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")


def _chunks(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo):
    """A member's inflated bytes in chunks of at most _CHUNK, CRC checked: zipfile's own reading,
    but a small sound member (nearly every member) is inflated at once from the bytes (zipfile's
    Python per member cost as much as inflating it)."""
    whole = _small_member(data, info)
    if whole is not None:
        if whole:
            yield whole
        return
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _member(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A whole member (a size the caller checked), inflating no more than its declared size (zf.read
    would inflate all of a member that understates its size before cutting it)."""
    whole = _small_member(data, info)
    if whole is not None:
        return whole
    with zf.open(info) as fh:
        return fh.read(info.file_size + 1)


def _small_member(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The member exactly as zipfile reads it in one chunk, when it is small (<= _CHUNK) and sound:
    local header as zipfile checks it, stored or deflated, not encrypted, inflating to exactly its
    declared size with its CRC. None otherwise: then zipfile reads it (and raises what it raises)."""
    if info.file_size > _CHUNK or info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None    # 0x61: encrypted, compressed patch, strong encryption
    at = info.header_offset
    head = data[at:at + 30]
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
    try:
        name = data[at + 30:at + 30 + name_len].decode("utf-8" if head[7] & 0x08 else "cp437")
    except UnicodeDecodeError:
        return None
    start = at + 30 + name_len + extra_len
    packed = data[start:start + info.compress_size]
    if name != info.orig_filename or len(packed) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        body = packed
    else:
        inflater = zlib.decompressobj(-15)
        try:
            body = inflater.decompress(packed, info.file_size + 1)   # bounded: a lying size stops here
        except zlib.error:
            return None
        if not inflater.eof:
            return None
    if len(body) != info.file_size or zlib.crc32(body) != info.CRC:
        return None
    return body


def _digits(raw: bytes) -> int:
    return int(raw) if len(raw) <= 9 else HUGE


class _SheetScanner:
    """Streaming pass over a worksheet part: cell extent and formulas without cached values.

    Precise mode follows the reader's rules tag by tag: `r` attributes when present, otherwise
    the next row / the next column; a cell counts towards the extent only when it holds
    something (<v>, <is> or <f>), as style-only cells are ignored by calamine too.
    The fast path (a buffer where every cell has an `r` and there is no formula: nearly every
    buffer of every real file) takes the extent from the `r` attributes of all cells, an upper
    bound computed by a few C-level regex scans. When that bound is over the limit, the
    caller rescans the part precisely. Buffers are cut before a <row> / </row> tag, so no cell
    element is ever split between two buffers."""

    def __init__(self, part: str, precise: bool = False):
        self.scan = SheetScan(part)
        self.precise = precise
        self.row, self.col = -1, -1
        self.in_cell = self.has_f = self.has_v = False
        self.cell = (0, 0)
        self.formula: str | None = None
        self.shared_si: str | None = None
        self.pending: list[bytes] = []
        self.pending_len = 0

    def feed(self, chunk: bytes) -> None:
        self.pending.append(chunk)
        self.pending_len += len(chunk)
        if self.pending_len < _CHUNK:
            return
        buf = b"".join(self.pending)
        cut = _last_row_tag(buf)
        if cut <= 0:
            self.pending = [buf]
            return
        self.pending, self.pending_len = [buf[cut:]], len(buf) - cut
        self._buffer(buf[:cut])

    def close(self) -> SheetScan:
        if self.pending:
            self._buffer(b"".join(self.pending))
            self.pending = []
        if self.in_cell:
            self._end_cell()
        s = self.scan
        for r, c, si in s.shared_cells:        # shared formulas: the master's text, moved to the cell
            master = s.shared.get(si)
            if master and (r, c) not in s.formulas and len(s.formulas) < MAX_FORMULAS:
                s.formulas[(r, c)] = shift_formula(master[2], r - master[0], c - master[1])
        return s

    def _buffer(self, buf: bytes) -> None:
        if not self.precise and not _has(buf, _FORMULA_TAG, b"<f", b":f") and \
                _count_cells(buf) == len(refs := _CELL_REF.findall(buf)):
            if refs:
                s = self.scan
                letters, digits = zip(*refs)
                self.row = max(self.row, max(map(_digits, set(digits))) - 1)
                s.max_row = max(s.max_row, self.row)
                s.max_col = max(s.max_col, max(map(column_number, set(letters))) - 1)
            self.col = -1
            return
        self._tags(buf)

    def _tags(self, buf: bytes) -> None:
        for m in _TAG.finditer(buf):
            closing, name, attrs = m.groups()
            if closing:
                if name == b"c" and self.in_cell:
                    self._end_cell()
                continue
            if name == b"row":
                ref = _REF.search(attrs)
                self.row = _digits(ref.group(2)) - 1 if ref and ref.group(2) else self.row + 1
                self.col = -1
            elif name == b"c":
                if self.in_cell:          # malformed: a cell opened inside a cell
                    self._end_cell()
                ref = _REF.search(attrs)
                self.col = column_number(ref.group(1)) - 1 if ref and ref.group(1) else self.col + 1
                if ref and ref.group(2):
                    self.row = _digits(ref.group(2)) - 1
                if not attrs.rstrip().endswith(b"/"):
                    self.in_cell, self.has_f, self.has_v, self.formula, self.shared_si = True, False, False, None, None
                    self.cell = (max(self.row, 0), max(self.col, 0))
            elif self.in_cell:
                if name == b"f":
                    self.has_f = True
                    si = _SHARED_SI.search(attrs) if b"shared" in attrs else None
                    self.shared_si = si.group(1).decode("ascii", "replace") if si else None
                    if not attrs.rstrip().endswith(b"/"):
                        end = buf.find(b"<", m.end())
                        text = buf[m.end():end if end >= 0 else len(buf)]
                        cut = len(text) > _FORMULA_TEXT      # marked: a cut formula is never taken for a sum
                        text = text[:_FORMULA_TEXT]
                        self.formula = ("=" + text.decode("utf-8", "replace") + ("…" if cut else "")) if text else None
                else:                      # <v> or <is>
                    self.has_v = True

    def _end_cell(self) -> None:
        s, (r, c) = self.scan, self.cell
        if self.has_f or self.has_v:
            s.max_row, s.max_col = max(s.max_row, r), max(s.max_col, c)
        if self.has_f:
            formula = _unescape(self.formula)
            if formula and len(s.formulas) < MAX_FORMULAS:
                s.formulas[(r, c)] = formula
            if self.shared_si is not None:
                if formula:
                    s.shared.setdefault(self.shared_si, (r, c, formula))
                elif len(s.shared_cells) < MAX_FORMULAS:
                    s.shared_cells.append((r, c, self.shared_si))
        if self.has_f and not self.has_v:
            s.n_uncached += 1
            if len(s.uncached) < MAX_FORMULA_CELLS:
                s.uncached.append((r, c, _unescape(self.formula)))
        self.in_cell = False


_SHARED_SI = re.compile(rb"""(?:^|\s)si\s*=\s*["']\s*(\d+)\s*["']""")
_FORMULA_TEXT = 4000              # characters of a formula kept (recalculation, messages)
_ROW_TAG = re.compile(rb"</?(?:[A-Za-z_][\w.\-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\s/>]")
# r="A1" after a space; the literal r first (checked back for the space) lets re skip to each "r"
# instead of trying a match at every byte (3x faster on a sheet, same matches)
_CELL_REF = re.compile(rb"""r(?<=\sr)\s*=\s*["']\s*([A-Za-z]+)(\d+)\s*["']""")
_PLAIN_CELL = re.compile(rb"<c[ >/\t\n\r]")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]")


def _has(buf: bytes, tag: re.Pattern, *needles: bytes) -> bool:
    """tag.search(buf), after a substring test every match must pass (a C-speed scan: the
    regex search is several times slower and nearly always finds nothing)."""
    return any(n in buf for n in needles) and tag.search(buf) is not None


def _count_cells(buf: bytes) -> int:
    """Number of <c> tags (plain ones counted by bytes.count; any namespace prefix: by regex)."""
    if _has(buf, _PREFIXED_CELL, b":c"):
        return len(_CELL_TAG.findall(buf))
    return len(_PLAIN_CELL.findall(buf))   # one C pass (six bytes.count passes cost 4x)


def _last_row_tag(buf: bytes) -> int:
    """Offset of the last <row ...> or </row> tag in buf (-1: none)."""
    i = len(buf)
    while True:
        i = buf.rfind(b"<", 0, i)
        if i < 0 or _ROW_TAG.match(buf, i):
            return i


def _unescape(text: str | None) -> str | None:
    if text is None:
        return None
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(zf: zipfile.ZipFile, data: bytes, names: set[str]) -> dict[str, str]:
    """Worksheet part path -> sheet name, from xl/workbook.xml and its relationships.

    Read by _xml_elements (DTDs and entities refused). Best effort: {} when unusual."""
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return {}
    try:
        if max(zf.getinfo("xl/workbook.xml").file_size, zf.getinfo(rels_name).file_size) > _MAP_PART_LIMIT:
            return {}
        book = _xml_elements(_member(zf, data, zf.getinfo("xl/workbook.xml")))
        rels = _xml_elements(_member(zf, data, zf.getinfo(rels_name)))
    except _DtdRefused:
        raise WorkbookError(_entities_issue("xl/workbook.xml")) from None
    except Exception:
        return {}
    targets = {}
    for tag, attrs in rels:
        if _local(tag) == "Relationship" and attrs.get("Id") and attrs.get("Target"):
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs["Id"]] = path
    parts = {}
    for tag, attrs in book:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            if rid in targets and attrs.get("name") is not None:
                parts[targets[rid]] = attrs["name"]
    return parts


class _DtdRefused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _DtdRefused


def _xml_elements(data: bytes) -> list[tuple[str, dict[str, str]]]:
    """(tag, attributes) of every element in document order, names as ElementTree spells them
    but for the '{' ('ns}local': only local names are compared). What defusedxml's fromstring
    (forbid_dtd) did for these two small parts, without building a tree in pure Python (a quarter
    of the container check): the same expat parser settings, and a DOCTYPE (where any entity
    would be declared) is refused at its first line; expat itself rejects an undefined entity."""
    from xml.parsers import expat

    parser = expat.ParserCreate(None, "}")
    parser.ordered_attributes = True
    for handler in ("StartDoctypeDeclHandler", "EntityDeclHandler", "UnparsedEntityDeclHandler",
                    "ExternalEntityRefHandler"):
        setattr(parser, handler, _refuse)
    out: list[tuple[str, dict[str, str]]] = []
    parser.StartElementHandler = lambda tag, attrs: out.append((tag, dict(zip(attrs[::2], attrs[1::2]))))
    parser.Parse(data, True)
    return out


def _entities_issue(part: str) -> Issue:
    return error("XML_ENTITIES", f"工作簿的 XML 部件 {part} 含有 DTD/实体声明（正常 Excel 文件不会有），可能是恶意文件，拒绝读取；"
                 f"请用 Excel 或 WPS 重新另存为 .xlsx 后报送。"
                 f" An XML part ({part}) declares a DTD/entities, which real workbooks never do: refused.", value=part)


def _sniff_other_zip(zf: zipfile.ZipFile, names: set[str]) -> str:
    """'xlsx', 'ods' (an OpenDocument spreadsheet), or say what else the zip is."""
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100].decode("ascii", "replace")
        except Exception:
            mime = ""
        if "opendocument.spreadsheet" in mime and "content.xml" in names:
            return "ods"
        if "opendocument" in mime:
            raise WorkbookError(error("UNSUPPORTED_FORMAT", "这是 OpenDocument 文档（不是电子表格），不是工作簿；请用 WPS 或 Excel 另存为 .xlsx 后重新报送。"
                                      " OpenDocument content that is not a spreadsheet: resave as .xlsx and resend.", value=mime))
    if "xl/workbook.bin" in names:
        raise WorkbookError(error("UNSUPPORTED_FORMAT", "这是 Excel 二进制工作簿（.xlsb），不是 .xlsx；请另存为 .xlsx 后重新报送。"
                                  " Binary .xlsb content: resave as .xlsx and resend.", value=".xlsb"))
    if "xl/workbook.xml" not in names:
        raise unreadable("压缩包里没有 xl/workbook.xml，不是 Excel 工作簿 / no xl/workbook.xml")
    return "xlsx"


def check_container(data: bytes, max_uncompressed: int, max_cells: int = DEFAULT_MAX_CELLS) -> dict[str, SheetScan]:
    """Refuse what is not a plain, sane workbook before any parser touches it (see workbook_scan)."""
    return workbook_scan(data, max_uncompressed, max_cells)[1]


def workbook_scan(data: bytes, max_uncompressed: int, max_cells: int = DEFAULT_MAX_CELLS) -> tuple[str, dict[str, SheetScan]]:
    """The kind of workbook the bytes hold ('xlsx' also for .xlsm, 'xls', 'ods'), sniffed by content
    whatever the file's name, and what the pass over it found per sheet (keyed by sheet name, or by
    part path when an .xlsx's sheet list could not be mapped). Refuses what is not a plain, sane
    workbook before any parser touches it."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_MARK in data:
            raise encrypted()
        return "xls", _limit_cells(check_xls(data, max_uncompressed), max_cells)
    if not data.startswith(ZIP_MAGIC):
        what = "文件为空 / empty file" if not data else "不是 Excel 文件 / not an Excel file"
        raise WorkbookError(error("UNREADABLE_FILE", f"不是可读取的 .xlsx 工作簿（{what}）。"
                                  f" Not a readable .xlsx workbook."))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise unreadable(f"文件损坏或被截断 / corrupt or truncated: {type(exc).__name__}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise WorkbookError(error("FILE_TOO_LARGE", f"压缩包内有 {len(infos)} 个部件，超过上限 {MAX_PARTS}，拒绝读取。"
                                      f" Too many zip members.", value=str(len(infos))))
        declared = sum(i.file_size for i in infos)
        if declared > max_uncompressed:
            raise too_large(declared, max_uncompressed)
        names = {i.filename for i in infos}
        kind = _sniff_other_zip(zf, names)
        parts = _sheet_parts(zf, data, names) if kind == "xlsx" else {}
        scans: dict[str, SheetScan] = {}
        inflated = 0
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            xmlish = name.lower().endswith((".xml", ".rels", ".vml"))
            # worksheet parts; every XML part when the sheet list could not be mapped (nothing unscanned
            # can then be handed to the reader as a sheet)
            if kind == "ods":     # the tables are in content.xml (OpenDocument)
                scanner = OdsScanner() if name == "content.xml" else None
            else:
                is_sheet = name in parts or _SHEET_PART.fullmatch(name) or (not parts and xmlish)
                scanner = _SheetScanner(name) if is_sheet else None
            tail = b""
            try:
                for chunk in _chunks(zf, data, info):
                    inflated += len(chunk)
                    if inflated > max_uncompressed:
                        raise too_large(inflated, max_uncompressed)
                    if xmlish and (b"<!" in chunk or b"<!" in tail + chunk[:32]) and DTD_DECLARATION.search(tail + chunk):
                        raise WorkbookError(_entities_issue(name))
                    tail = chunk[-32:]
                    if scanner:
                        scanner.feed(chunk)
            except WorkbookError:
                raise
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
                raise unreadable(f"压缩包内 {name} 已损坏 / corrupt member {name}: {type(exc).__name__}") from None
            if kind == "ods" and scanner:
                scans.update(scanner.close())
            elif scanner:
                scan = scanner.close()
                scans[parts.get(name, name)] = scan
        if kind == "xlsx" and sum(scan.cells for scan in scans.values()) > max_cells:   # the fast bound is over: count precisely
            for part, scan in list(scans.items()):
                scans[part] = _rescan(zf, scan.part)
    return kind, _limit_cells(scans, max_cells)


def _limit_cells(scans: dict[str, SheetScan], max_cells: int) -> dict[str, SheetScan]:
    """SHEET_TOO_LARGE when the dense grids of all sheets together exceed max_cells."""
    total = 0
    for sheet_name, scan in scans.items():
        total += scan.cells
        if total > max_cells:
            far = cell_ref(min(scan.max_row, 1 << 24), min(scan.max_col, 1 << 16))
            raise WorkbookError(error(
                "SHEET_TOO_LARGE",
                f"工作表“{sheet_name}”的内容延伸到 {far}（{scan.max_row + 1} 行 × {scan.max_col + 1} 列），"
                f"工作簿超过可读取的 {max_cells} 个单元格；请删除表格以外的多余内容后重新报送。"
                f" Sheet '{sheet_name}' extends to {far}: the workbook exceeds {max_cells} cells;"
                f" delete stray content outside the table and resend.", sheet=sheet_name, cell=far, value=far))
    return scans


def _rescan(zf: zipfile.ZipFile, part: str) -> SheetScan:
    scanner = _SheetScanner(part, precise=True)
    with zf.open(part) as fh:
        while chunk := fh.read(_CHUNK):
            scanner.feed(chunk)
    return scanner.close()


def uncached_formula_issues(sheets: list[Sheet], form_titles: dict[str, list[tuple[int, str]]]) -> list[Issue]:
    """FORMULA_NO_CACHED_VALUE, one error per formula cell saved without its value.

    `form_titles`: sheet name -> [(title row, form code)] of the forms found on it. Only sheets
    holding a form are reported (a scratch sheet's formulas do not matter), unless no form was
    found at all (then they may be why). The cell is attributed to the form above it."""
    issues: list[Issue] = []
    for sheet in sheets:
        if not sheet.uncached_formulas or (form_titles and sheet.name not in form_titles):
            continue
        titles = sorted(form_titles.get(sheet.name, []))
        shown = sheet.uncached_formulas[:50]
        for r, c, formula in shown:
            form = next((code for row, code in reversed(titles) if row <= r), None)
            ref = cell_ref(r, c)
            issues.append(error(
                "FORMULA_NO_CACHED_VALUE",
                f"单元格 {ref} 是公式{('（' + formula + '）') if formula else ''}，但文件里没有保存它的计算结果，无法读取数值；"
                f"请在 Excel 或 WPS 中打开、保存后重新报送（或把公式改为数值）。"
                f" Formula in {ref} was saved without its value: open and save the file in Excel/WPS (or paste"
                f" values) and resend.", form=form, sheet=sheet.name, cell=ref, value=formula))
        more = sheet.uncached_count - len(shown)
        if more > 0:
            issues.append(error("FORMULA_NO_CACHED_VALUE", f"另有 {more} 个公式单元格没有保存计算结果。"
                                f" {more} more formula cells without values.", sheet=sheet.name, value=str(more)))
    return issues


_KIND_NAMES = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}


def read_workbook(data: bytes, max_uncompressed: int = 200_000_000, max_cells: int = DEFAULT_MAX_CELLS) -> list[Sheet]:
    """Every sheet of an .xlsx/.xlsm/.xls/.ods workbook, hidden ones and hidden rows included (hidden
    content is data). Plain sums saved with a stale or no cached value are recomputed
    (transforms.formulas) where the file carries its formulas: .xlsx/.xlsm and .ods; calamine gives
    no formulas for .xls, whose cached values are read as they are."""
    kind, scans = workbook_scan(data, max_uncompressed, max_cells)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, total = [], 0
        for meta in wb.sheets_metadata:
            if str(meta.typ).endswith("ChartSheet"):
                continue
            ws = wb.get_sheet_by_name(meta.name)
            total += (ws.end[0] + 1) * (ws.end[1] + 1) if ws.end else 0
            if total > max_cells:   # second guard: the pass over the file should have caught it
                raise WorkbookError(error("SHEET_TOO_LARGE", f"工作表“{meta.name}”过大，工作簿超过可读取的 {max_cells} 个单元格。"
                                          f" Sheet '{meta.name}': the workbook exceeds {max_cells} cells.", sheet=meta.name))
            cells = ws.to_python(skip_empty_area=False)
            scan = scans.get(meta.name)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
            if not merged and scan and scan.merged:       # .ods: calamine gives no merged ranges
                merged = list(scan.merged)
            recalculated = recalculate(cells, scan.formulas) if scan and scan.formulas else []
            fixed = {(x.row, x.col) for x in recalculated}
            uncached = [u for u in (scan.uncached if scan else []) if (u[0], u[1]) not in fixed]
            n_uncached = (scan.n_uncached if scan else 0) - (len(scan.uncached) - len(uncached) if scan else 0)
            sheets.append(Sheet(meta.name, cells, merged, hidden=not str(meta.visible).endswith("Visible"),
                                uncached_formulas=uncached, uncached_count=n_uncached, recalculated=recalculated))
        return sheets
    except WorkbookError:
        raise
    except BaseException as exc:  # calamine raises its own error types for every malformed part
        # a panic inside calamine (a corrupt .xls record offset) arrives as pyo3's PanicException,
        # a BaseException: the file is unreadable, the run goes on. KeyboardInterrupt & co. pass.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        what = _KIND_NAMES.get(kind, "")
        raise WorkbookError(error("UNREADABLE_FILE", f"不是可读取的{what}工作簿：{exc}"
                                  f" Not a readable {what} workbook.")) from None


def recalculated_issues(sheets: list[Sheet], form_titles: dict[str, list[tuple[int, str]]]) -> list[Issue]:
    """FORMULA_RECALCULATED, one warning per plain sum whose saved value was stale (or missing):
    the value Excel/WPS shows when it opens the file is used. Reported for sheets holding a form."""
    issues: list[Issue] = []
    for sheet in sheets:
        if not sheet.recalculated or sheet.name not in form_titles:
            continue
        titles = sorted(form_titles[sheet.name])
        for x in sheet.recalculated:
            form = next((code for row, code in reversed(titles) if row <= x.row), None)
            ref = cell_ref(x.row, x.col)
            cached = "（无）" if x.cached in ("", None) else _shown(x.cached)
            computed = format(x.computed.normalize(), "f")
            issues.append(warning(
                "FORMULA_RECALCULATED",
                f"单元格 {ref} 的公式 {x.formula} 保存的计算结果为 {cached}，与按单元格重新计算的结果 {computed} 不一致"
                f"（Excel/WPS 打开时会显示 {computed}）；已按 {computed} 读取。"
                f" Formula {x.formula} in {ref} was saved with the value {cached}; recomputed from the cells it"
                f" sums: {computed} (what Excel/WPS show on opening), used instead.",
                form=form, sheet=sheet.name, cell=ref, value=f"{x.formula} cached={cached} computed={computed}"))
    return issues


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

