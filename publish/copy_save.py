"""openpyxl's save of a marked copy, its worksheets kept in memory instead of in temporary files.

openpyxl (3.1.5, pinned in requirements.lock) writes each worksheet to a NamedTemporaryFile, adds
that file to the zip (ZipFile.write: the entry's date from the file's mtime, its attributes from
the file's mode, the bytes copied 8 KiB at a time) and removes it: three file-system calls and a
disk round trip per sheet, a tenth of saving a unit's workbook. Here the sheet is written to a
BytesIO by the same WorksheetWriter and added with the ZipInfo ZipFile.write would have made — a
temporary file's mode (0600), the time now, copied in the same 8 KiB pieces — so the entry, and
the saved file, are byte for byte what openpyxl's save gives at the same moment.
tests/test_copy_save.py pins this against openpyxl's own save; a new openpyxl version must pass it
before the pin moves.
"""
from __future__ import annotations

import io
import shutil
import stat
import time
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.workbook import Workbook
from openpyxl.writer import excel
from openpyxl.worksheet._writer import WorksheetWriter

# NamedTemporaryFile is made by mkstemp: a regular file readable and writable by its owner only
_TEMP_FILE_MODE = stat.S_IFREG | 0o600


class _InMemoryWriter(excel.ExcelWriter):
    """openpyxl's ExcelWriter, each worksheet written to memory (write_worksheet, not write-only)."""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._add(out, ws.path[1:])
        self.manifest.append(ws)

    def _add(self, out: io.BytesIO, arcname: str) -> None:
        """ZipFile.write(<a temporary file holding out>, arcname), without the file."""
        archive = self._archive
        zinfo = ZipInfo(arcname, time.localtime(time.time())[0:6])   # ZipInfo.from_file: the mtime, just written
        zinfo.external_attr = (_TEMP_FILE_MODE & 0xFFFF) << 16
        zinfo.file_size = out.getbuffer().nbytes
        zinfo.compress_type = archive.compression
        zinfo._compresslevel = archive.compresslevel
        out.seek(0)
        with archive.open(zinfo, "w") as dest:
            shutil.copyfileobj(out, dest, 1024 * 8)


def save_xlsx(wb: Workbook) -> bytes:
    """wb.save(<a BytesIO>)'s bytes (openpyxl.writer.excel.save_workbook, worksheets in memory)."""
    if wb.read_only or wb.write_only:       # what wb.save refuses or does otherwise: openpyxl's own
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    buf = io.BytesIO()
    archive = ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = excel.datetime.datetime.now(tz=excel.datetime.timezone.utc).replace(tzinfo=None)
    _InMemoryWriter(wb, archive).save()
    return buf.getvalue()
