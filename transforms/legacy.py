""".xls (BIFF8) and .ods workbooks: the checks made before python-calamine reads them.

The same limits as for .xlsx (grid.workbook_scan): the file size (checked by the caller), the
cells of the dense grid calamine builds per sheet (SHEET_TOO_LARGE, counted here from the
file's own cell records before anything is loaded), and for .ods — a zip holding content.xml —
the zip-bomb and DTD/entity guards of the .xlsx container pass, which feeds content.xml through
OdsScanner chunk by chunk after each chunk has been checked for DTDs.

What the scans give back beyond the extent:
* .xls: nothing (calamine exposes no formulas for .xls: cached values are read as they are);
  an .xls with a FILEPASS record (password to open) is ENCRYPTED_FILE.
* .ods: merged ranges (table:number-columns/rows-spanned; calamine gives none for .ods) and
  formulas (table:formula, in A1 notation) for the recalculation of stale plain sums.
"""
from __future__ import annotations

import io
import struct
from xml.parsers import expat

from transforms.formulas import odf_formula
from transforms.sheet import (MAX_FORMULA_CELLS, MAX_FORMULAS, MAX_MERGES, SheetScan, WorkbookError, encrypted,
                              too_large, unreadable)

# --------------------------------------------------------------------------------------
# .xls: walk the BIFF records of the Workbook stream

_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _SST, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x002F, 0x00FC, 0x0200
# cell records that hold something (BLANK / MULBLANK are formatting only: calamine skips them,
# as style-only cells are skipped in .xlsx)
_CELL_RECORDS = {0x0203: "NUMBER", 0x027E: "RK", 0x00FD: "LABELSST", 0x0204: "LABEL", 0x00D6: "RSTRING",
                 0x0006: "FORMULA", 0x0205: "BOOLERR"}
_MULRK = 0x00BD


def check_xls(data: bytes, max_uncompressed: int) -> dict[str, SheetScan]:
    """Per sheet (by name) the extent of its cells, from the BIFF cell records themselves and the
    sheet's DIMENSIONS record (calamine reserves that area, so a lying one counts too)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:
        raise unreadable(f"旧版 Excel 文件已损坏 / corrupt .xls container: {type(exc).__name__}", ".xls") from None
    with ole:
        _check_directory(ole, len(data))
        stream = next((n for n in ("Workbook", "Book") if ole.exists(n) and ole.get_type(n) == olefile.STGTY_STREAM), None)
        if stream is None:
            raise unreadable("文件里没有工作簿数据流 / no Workbook stream", ".xls")
        try:
            size = ole.get_size(stream)
            if size > max_uncompressed:
                raise too_large(size, max_uncompressed)
            buf = ole.openstream(stream).read()
        except WorkbookError:
            raise
        except Exception as exc:
            raise unreadable(f"工作簿数据流已损坏 / corrupt Workbook stream: {type(exc).__name__}", ".xls") from None
    return _biff_scan(buf)


def _check_directory(ole, file_size: int) -> None:
    """Every stream the directory declares fits in the file. calamine reserves a stream's declared
    size (all 64 bits of it) before reading: a corrupt size of terabytes aborts the process."""
    try:
        fp = ole.directory_fp
        fp.seek(0)
        raw = fp.read()
    except Exception as exc:
        raise unreadable(f"目录已损坏 / corrupt directory: {type(exc).__name__}", ".xls") from None
    for i in range(0, len(raw) - 127, 128):
        kind = raw[i + 66]
        if kind in (1, 2, 5):                  # storage, stream, root (the mini stream)
            size = struct.unpack_from("<Q", raw, i + 120)[0]
            if size > file_size:
                raise unreadable(f"数据流声明的大小 {size} 超过文件大小 / a stream declares {size} bytes", ".xls")


def _biff_scan(buf: bytes) -> dict[str, SheetScan]:
    names: dict[int, str] = {}          # BOF offset of a sheet substream -> sheet name
    scans: dict[str, SheetScan] = {}
    current: SheetScan | None = None
    stack: list[SheetScan | None] = []     # substreams nest (a chart inside a sheet has its own BOF/EOF)
    in_globals = True
    pos, n = 0, len(buf)
    unpack = struct.unpack_from
    while pos + 4 <= n:
        typ, length = unpack("<HH", buf, pos)
        body = pos + 4
        if body + length > n:              # a record running past the stream: corrupt (calamine may trust it)
            raise unreadable("记录超出数据流末尾 / a BIFF record runs past the end of the stream", ".xls")
        if typ == _BOF:
            if pos > 0:
                in_globals = False
                stack.append(current)
                name = names.get(pos) or (None if stack[-1] is not None else f"sheet@{pos}")
                current = scans.setdefault(name, SheetScan(name)) if name else None
        elif typ == _EOF:
            current = stack.pop() if stack else None
        elif in_globals and typ == _FILEPASS:
            raise encrypted()
        elif in_globals and typ == _SST and length >= 8:
            # calamine reserves the declared string count up front; a string takes 3 bytes or more
            if unpack("<I", buf, body + 4)[0] > n // 3:
                raise unreadable("共享字符串表的计数已损坏 / corrupt shared-string count", ".xls")
        elif in_globals and typ == _BOUNDSHEET and length >= 8:
            offset = unpack("<I", buf, body)[0]
            names[offset] = _sheet_name(buf[body + 6:body + length])
        elif current is not None and typ == _DIMENSIONS and length >= 12:
            # calamine reserves the declared area before reading the cells: it counts like cells,
            # and one beyond BIFF8's 65536 x 256 is corrupt
            rw_first, rw_end, col_first, col_end = unpack("<IIHH", buf, body)
            if rw_end > 65536 or col_end > 256 or rw_first > rw_end or col_first > col_end:
                raise unreadable(f"工作表尺寸记录已损坏 / corrupt DIMENSIONS record ({rw_end} x {col_end})", ".xls")
            if rw_end > 0 and col_end > 0:
                current.max_row = max(current.max_row, rw_end - 1)
                current.max_col = max(current.max_col, col_end - 1)
        elif current is not None and length >= 4 and (typ in _CELL_RECORDS or typ == _MULRK):
            row, col = unpack("<HH", buf, body)
            last = col
            if typ == _MULRK and length >= 6:
                last = unpack("<H", buf, body + length - 2)[0]
            current.max_row = max(current.max_row, row)
            current.max_col = max(current.max_col, col, last)
        pos = body + length
    return scans


def _sheet_name(raw: bytes) -> str:
    """BIFF8 ShortXLUnicodeString: cch, flags (bit 0: UTF-16), characters."""
    if len(raw) < 2:
        return ""
    cch, flags = raw[0], raw[1]
    if flags & 1:
        return raw[2:2 + 2 * cch].decode("utf-16-le", "replace")
    return raw[2:2 + cch].decode("latin-1")


# --------------------------------------------------------------------------------------
# .ods: one streaming pass over content.xml

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_SEP = "}"
_T = lambda local: _TABLE + _SEP + local          # noqa: E731
_O = lambda local: _OFFICE + _SEP + local         # noqa: E731
_CELL_TAGS = {_T("table-cell"), _T("covered-table-cell")}
_MAX_REPEAT = 1 << 24


def _int(value: str | None) -> int:
    try:
        return max(1, min(int(value), _MAX_REPEAT)) if value else 1
    except ValueError:
        return 1


class OdsScanner:
    """Streaming (expat) pass over content.xml: per table the extent of the cells that hold
    something (repeated rows and columns counted as the reader expands them), the merged
    ranges, formulas, and formulas saved without a value."""

    def __init__(self):
        self.scans: dict[str, SheetScan] = {}
        self.scan: SheetScan | None = None
        self.depth = 0                       # table nesting (a table in a cell is not a sheet)
        self.row = 0
        self.row_rep = 1
        self.col = 0
        self.cell: tuple[int, int, int, int, str | None, bool] | None = None   # row, col, rows, cols, formula, value
        self.cell_content = False
        self.parser = expat.ParserCreate(namespace_separator=_SEP)
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.buffer_text = True

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise unreadable(f"content.xml 不是完整的 XML / malformed content.xml: {exc}", ".ods") from None

    def close(self) -> dict[str, SheetScan]:
        self.feed(b"")
        try:
            self.parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise unreadable(f"content.xml 不完整 / truncated content.xml: {exc}", ".ods") from None
        return self.scans

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.cell is not None:
            self.cell_content = True        # <text:p> and friends: the cell holds something
        if name == _T("table"):
            self.depth += 1
            if self.depth == 1:
                sheet = attrs.get(_T("name"), f"Sheet{len(self.scans) + 1}")
                self.scan = self.scans.setdefault(sheet, SheetScan(sheet))
                self.row = 0
        elif self.depth != 1 or self.scan is None:
            return
        elif name == _T("table-row"):
            self.row_rep = _int(attrs.get(_T("number-rows-repeated")))
            self.col = 0
        elif name in _CELL_TAGS:
            cols = _int(attrs.get(_T("number-columns-repeated")))
            formula = attrs.get(_T("formula"))
            has_value = _O("value-type") in attrs
            self.cell = (self.row, self.col, self.row_rep, cols, formula, has_value)
            self.cell_content = False
            span_c, span_r = _int(attrs.get(_T("number-columns-spanned"))), _int(attrs.get(_T("number-rows-spanned")))
            if (span_c > 1 or span_r > 1) and len(self.scan.merged) < MAX_MERGES:
                self.scan.merged.append((self.row, self.col, self.row + span_r - 1, self.col + span_c - 1))

    def _end(self, name: str) -> None:
        if name == _T("table"):
            self.depth -= 1
            if self.depth == 0:
                self.scan = None
        elif self.depth != 1 or self.scan is None:
            return
        elif name == _T("table-row"):
            self.row += self.row_rep
        elif name in _CELL_TAGS and self.cell is not None:
            r, c, rows, cols, formula, has_value = self.cell
            s = self.scan
            if has_value or formula or self.cell_content:
                s.max_row, s.max_col = max(s.max_row, r + rows - 1), max(s.max_col, c + cols - 1)
            if formula and rows == 1 and cols == 1:
                text = odf_formula(formula)
                if text and len(s.formulas) < MAX_FORMULAS:
                    s.formulas[(r, c)] = "=" + text
                if not has_value:
                    s.n_uncached += 1
                    if len(s.uncached) < MAX_FORMULA_CELLS:
                        s.uncached.append((r, c, "=" + text if text else None))
            self.col += cols
            self.cell = None
