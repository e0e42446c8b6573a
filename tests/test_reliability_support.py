"""Builders shared by the reliability tests (tests/test_reliability_*.py): real files, made here.

Valid forms are drawn in the official layout by publish.layout.write_form; broken and
hostile files are made from them by rewriting the zip, or from scratch (an OLE compound
file, an OpenDocument spreadsheet, a PDF, a zip bomb). No test lives in this module.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable

import openpyxl

from campaign.forms import FORM1, FORM2, FORM3
from tests.builders import company, drop as _drop, form1_values
from publish.layout import write_form
from tests.helpers import q

REPO = Path(__file__).resolve().parents[1]
FOOTER = {"filler": "王磊", "phone": "0554-3127128", "date": dt.date(2018, 7, 16)}
OLD = 1_500_000_000.0          # a settled mtime (2017), far from "now"


def drop(inbox: Path, unit: str, name: str, data: bytes, mtime: float = OLD) -> Path:
    return _drop(inbox, unit, name, data, mtime)



# --------------------------------------------------------------------------------------
# valid workbooks

def workbook(*, county: str | None = "大通区", companies: list[dict] | None = None, date: dt.date = dt.date(2018, 7, 16),
             seed: int = 1, forms: tuple[str, ...] = ("附件1", "附件2", "附件3")) -> openpyxl.Workbook:
    """A valid workbook in the official layout, one sheet per form (sheet names 附件1..3)."""
    footer = dict(FOOTER, date=date)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if "附件1" in forms:
        write_form(wb.create_sheet("附件1"), FORM1, form1_values(seed), footer)
    if "附件2" in forms:
        write_form(wb.create_sheet("附件2"), FORM2, companies if companies is not None else [company("安徽甲公司")], footer)
    if "附件3" in forms and county:
        write_form(wb.create_sheet("附件3"), FORM3,
                   [{"county": county, "criminal_cases": 0, "over_50_case": "否", "over_20_petition": "否"}], footer)
    return wb


def to_bytes(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def valid_bytes(**kw) -> bytes:
    return to_bytes(workbook(**kw))


def sheet_part(data: bytes, sheet_name: str) -> str:
    """The zip member holding a sheet, from the workbook's own sheet list."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet_name)}"[^>]*r:id="(\w+)"', book).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    t = target.group(1)
    return t.lstrip("/") if t.startswith("/") else f"xl/{t}"


def rewrite_zip(data: bytes, edits: dict[str, Callable[[bytes], bytes] | bytes | None],
                add: dict[str, bytes] | None = None) -> bytes:
    """Copy a zip, transforming members (callable), replacing them (bytes) or dropping them (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename in edits:
                edit = edits[info.filename]
                if edit is None:
                    continue
                body = edit(body) if callable(edit) else edit
            zout.writestr(info.filename, body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def set_cell_xml(data: bytes, sheet_name: str, ref: str, cell_xml: str) -> bytes:
    """Replace cell `ref` of a sheet by raw XML (e.g. a formula with or without a cached value)."""
    part = sheet_part(data, sheet_name)

    def edit(xml: bytes) -> bytes:
        pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?:[^>]*?/>|[^>]*?>.*?</c>)', re.S)
        new, n = pattern.subn(cell_xml.encode(), xml, count=1)
        assert n == 1, f"cell {ref} not found in {part}"
        return new
    return rewrite_zip(data, {part: edit})


# --------------------------------------------------------------------------------------
# files that are not .xlsx

def ole_compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal, valid OLE2 compound file (what legacy .xls and encrypted OOXML files are).

    Version 3, 512-byte sectors, one FAT sector, one directory sector, every stream padded to
    4096 bytes or more (zero padded) so that it lives in regular sectors (no mini stream)."""
    SECT, FREE, END, FATSECT, NOSTREAM = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    assert 1 <= len(streams) <= 3
    bodies = []
    for name, body in streams.items():    # sizes >= 4096 (the mini-stream cutoff): regular sectors
        padded = body.ljust(max(4096, -(-len(body) // SECT) * SECT), b"\0")
        bodies.append((name, padded, len(padded)))
    fat = [FATSECT, END]                     # sector 0: the FAT, sector 1: the directory
    starts = []
    for _, padded, _ in bodies:
        n = len(padded) // SECT
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(n - 1)] + [END]
    assert len(fat) <= SECT // 4
    fat += [FREE] * (SECT // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", NOSTREAM, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))
    entries = [entry("Root Entry", 5, 1, NOSTREAM, END, 0)]
    for i, ((name, _, size), start) in enumerate(zip(bodies, starts)):
        right = i + 2 if i + 1 < len(bodies) else NOSTREAM
        entries.append(entry(name, 2, NOSTREAM, right, start, size))
    while len(entries) < 4:
        entries.append(b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
                       + b"\0" * 48)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    assert len(header) == SECT
    return header + struct.pack(f"<{SECT // 4}I", *fat) + b"".join(entries) + b"".join(p for _, p, _ in bodies)


def legacy_xls() -> bytes:
    """A BIFF8 .xls as Excel 97-2003 saves it: an OLE file with a 'Workbook' stream (BOF ... EOF)."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    eof = struct.pack("<HH", 0x000A, 0)
    return ole_compound_file({"Workbook": bof + eof})


def ods_bytes() -> bytes:
    """A real (minimal) OpenDocument spreadsheet: mimetype first and stored, manifest, content."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="附件1"><table:table-row><table:table-cell office:value-type="string">'
               f'<text:p>{FORM1.title}</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def csv_bytes() -> bytes:
    return f"{FORM2.title}\n序号,企业名称,涉及金额\n1,安徽甲公司,100.00\n".encode("utf-8-sig")


def pdf_bytes() -> bytes:
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")
    return body


def xlsm_bytes(data: bytes) -> bytes:
    """The workbook as a macro-enabled .xlsm: a vbaProject.bin part, its relationship and content types."""
    vba = ole_compound_file({"dir": b"Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\n"
                                    b"Shell \"touch /tmp/PWNED_BY_MACRO\"\r\nEnd Sub\r\n"})

    def types(xml: bytes) -> bytes:
        xml = xml.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return xml.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')

    def rels(xml: bytes) -> bytes:
        return xml.replace(b"</Relationships>", b'<Relationship Id="rIdVBA1" '
                           b'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                           b'Target="vbaProject.bin"/></Relationships>')
    return rewrite_zip(data, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
                       add={"xl/vbaProject.bin": vba})


# --------------------------------------------------------------------------------------
# bombs

def zip_bomb(inflated: int = 300_000_000, base: bytes | None = None) -> bytes:
    """A workbook carrying one member of `inflated` zero bytes: a few hundred KB on disk."""
    base = base or valid_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        with zout.open("xl/media/image1.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 22)
            for _ in range(inflated // len(block)):
                fh.write(block)
    return out.getvalue()


def lying_zip_bomb(inflated: int = 300_000_000) -> bytes:
    """A bomb whose central directory understates the member's inflated size (1 KB declared)."""
    data = bytearray(zip_bomb(inflated))
    # patch the central directory entry of the bomb member: uncompressed size -> 1024
    name = b"xl/media/image1.bin"
    i = data.rfind(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46:i + 46 + n]) == name:
            extra_len = struct.unpack_from("<H", data, i + 30)[0]
            struct.pack_into("<I", data, i + 24, 1024)
            # zip64 extra field (id 0x0001) carries the real size when the 32-bit field is 0xFFFFFFFF
            extra = i + 46 + n
            j = extra
            while j < extra + extra_len:
                hid, hlen = struct.unpack_from("<HH", data, j)
                if hid == 0x0001:
                    struct.pack_into("<Q", data, j + 4, 1024)
                j += 4 + hlen
            break
        i = data.rfind(b"PK\x01\x02", 0, i)
    return bytes(data)


BILLION_LAUGHS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                             for n in range(1, 10)) + b"]>")


def entity_bomb(data: bytes, sheet_name: str = "附件1", where: str = "title") -> bytes:
    """Billion laughs: a DTD of nested entities before the sheet XML, &lol9; (10^9 'lol') in a cell."""
    part = sheet_part(data, sheet_name)

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        # the title as UTF-8, or as character references (openpyxl writing through lxml)
        title = rb"(?:%s|%s)" % (re.escape(FORM1.title.encode()),
                                 re.escape(FORM1.title.encode("ascii", "xmlcharrefreplace")))
        xml, n = re.subn(rb"<t>" + title + rb"</t>", b"<t>&lol9;</t>", xml, count=1)
        assert n == 1
        return BILLION_LAUGHS + xml
    return rewrite_zip(data, {part: edit})


def examine_isolated(data: bytes, file_name: str, unit: str, unit_kind: str | None, tmp: Path,
                     timeout: float = 180) -> dict:
    """examine() in a fresh child process: its verdict and its memory growth.

    A regression that let a hostile file through to the reader would abort or swell that
    child, not the test run."""
    path = tmp / f"isolated-{hashlib.sha256(data).hexdigest()[:12]}.bin"
    path.write_bytes(data)
    code = (
        "import json, resource, sys, time\n"
        "from campaign.config import load_config\n"
        "from transforms.submission import examine\n"
        "cfg = load_config()\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.monotonic()\n"
        "parsed, forms, issues = examine(data, sys.argv[2], sys.argv[3], sys.argv[4] or None, cfg.intake)\n"
        "print(json.dumps({'issues': [i.as_dict() for i in issues], 'forms': {f.form: len(f.rows) for f in forms},\n"
        "                  'seconds': time.monotonic() - t,\n"
        "                  'growth_mb': (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path), file_name, unit, unit_kind or ""],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, f"examine crashed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# inbox and warehouse helpers

def tree_state(root: Path) -> dict[str, tuple]:
    """Every entry under root (links not followed): kind, size, mtime_ns, mode, content hash / link target."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                state[p.relative_to(root).as_posix()] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                state[p.relative_to(root).as_posix()] = ("file", st.st_size, st.st_mtime_ns, st.st_mode,
                                                         hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                state[p.relative_to(root).as_posix()] = ("other", st.st_mode, st.st_mtime_ns)
    return state


# What a run leaves in the warehouse, minus what differs by when it ran (received_at, run_id).
SNAPSHOT_SQL = {
    "received_files": "SELECT unit, file_name, inbox_path, sha256, size_bytes, file_mtime, status, duplicate_of, "
                      "archive_path FROM received_files",
    "submission_forms": "SELECT * FROM submission_forms",
    "issues": "SELECT * FROM issues",
    "form1_rows": "SELECT * FROM form1_rows",
    "form2_rows": "SELECT * FROM form2_rows",
    "form3_rows": "SELECT * FROM form3_rows",
    "current_forms": "SELECT * FROM current_forms",
    "submissions": "SELECT * EXCLUDE (received_at, run_id) FROM submissions",
    "skipped_paths": "SELECT DISTINCT inbox_path, reason FROM inbox_skips",
}


def snapshot(db: Path) -> dict[str, list[tuple]]:
    out = {}
    for name, sql in SNAPSHOT_SQL.items():
        rows = q(db, sql)
        out[name] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
    return out
