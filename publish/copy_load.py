"""openpyxl's load of a unit's workbook, with its merged cells bound at a fraction of the cost.

openpyxl (3.1.5, pinned in requirements.lock) binds every merged range as it loads a sheet
(worksheet/_reader.py bind_merged_cells → worksheet/merge.py MergedCellRange): the top-left cell
takes the bottom-right cell's right/bottom border, every other cell becomes a MergedCell, the
edge cells take the top-left cell's border on their side and every cell its protection. Each of
those steps builds a new Border/Protection and hashes it into the workbook's style list: more
than half of loading a unit's workbook (dozens of merged ranges), the largest part of a marked copy.

The result of each step depends only on the style ids involved (a style list entry never changes
and, while the workbook loads, adding an equal entry again returns the id the first add returned),
so here each distinct step is done once per workbook, exactly as openpyxl does it, and its
resulting id reused: the same cells, the same style lists in the same order, the same saved
workbook. tests/test_copy_load.py pins this
against openpyxl's own load; a new openpyxl version must pass it before the pin moves.

Its worksheets and shared strings are parsed by the C expat parser of xml.etree. openpyxl parses
them with defusedxml's parser, the pure-Python XMLParser with handlers that refuse entity
declarations and external references (a Python call per element and per text run: a sixth of a
load). Both hand the same expat events to the same C TreeBuilder, so the elements are the same;
those handlers can only fire under a DOCTYPE, so a part with one (or not plainly UTF-8, where a
DOCTYPE could hide from a byte search) still goes through defusedxml and is refused as before.

An inline string cell (<c t="inlineStr"><is><t>…</t></is></c>, as many clients write text) is
read by openpyxl through Text.from_tree(<is>).content: a generic Serialisable built for one
string (≈ 20 µs a cell, 170 cells a unit's workbook). For the plain form — <is> with no
attributes holding a single <t> — that content is the <t>'s text ('' for none), which is taken
here directly; any other <is> (rich runs, phonetic text, attributes) goes to Text.from_tree.

A sheet's <mergeCells> is read by openpyxl into MergeCells/MergeCell objects (a Serialisable and
a checked CellRange per range, ≈ 20 µs each) that only _MergeBinder reads, for their bounds. For
the plain form — <mergeCell ref="A1:C2"/> children only — _MergeList gives those bounds from
openpyxl's own range_boundaries, checked as CellRange checks them; anything else (another
attribute or child, a $, a range out of bounds or reversed) goes to MergeCells.from_tree.

A cell's r="B7" is turned into (7, 2) by openpyxl's coordinate_to_tuple, a pure function of the
string (≈ 1 µs, half of reading a cell); the units' workbooks share their forms' coordinates, so
it is kept for the process (a bounded lru_cache: the same tuple, errors raised as before).
"""
from __future__ import annotations

import copy
import io
import re
import threading
import weakref
from functools import lru_cache
from typing import NamedTuple
from xml.etree import ElementTree

from openpyxl.cell.cell import MergedCell
from openpyxl.cell.text import Text
from openpyxl.reader import excel, strings
from openpyxl.styles.borders import Border
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook import Workbook
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.worksheet import _reader
from openpyxl.worksheet._reader import WorksheetReader
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.worksheet.merge import MergeCells, MergedCellRange


def _style(cell) -> StyleArray:
    if not cell._style:                    # as openpyxl's style descriptors do on first use
        cell._style = StyleArray()
    return cell._style


class _MergeBinder(WorksheetReader):
    """openpyxl's WorksheetReader, its bind_merged_cells done once per distinct style step."""

    def bind_merged_cells(self):
        if not self.parser.merged_cells:
            return
        ws = self.ws
        borders, protections = ws.parent._borders, ws.parent._protections
        cells = ws._cells
        memo = _MEMO.setdefault(ws.parent, {})   # the workbook's: (step, ids...) -> the id openpyxl's step gave

        def add_border(cell, key, make):
            style = _style(cell)
            key = key + (style.borderId,)
            if key not in memo:
                memo[key] = borders.add(borders[style.borderId] + make())
            style.borderId = memo[key]

        ranges = []
        for cr in self.parser.merged_cells.mergeCell:
            # MergedCellRange.__init__ without its _get_borders, done below
            mcr = MergedCellRange.__new__(MergedCellRange)
            mcr.ws = ws
            # CellRange.__init__'s attributes, in its order: cr's bounds are valid ints already (its
            # own __init__ checked them), so its descriptors' checks would store them as they are
            vars(mcr).update(min_col=cr.min_col, min_row=cr.min_row, max_col=cr.max_col, max_row=cr.max_row, title=None)
            start = cells.get((mcr.min_row, mcr.min_col))
            if start is None:
                start = ws.cell(row=mcr.min_row, column=mcr.min_col)
            mcr.start_cell = start
            end = cells.get((mcr.max_row, mcr.max_col))
            if end is not None:
                end_id = _style(end).borderId
                add_border(start, ("corner", end_id),
                           lambda: Border(right=borders[end_id].right, bottom=borders[end_id].bottom))
            # Worksheet._clean_merge_range: all but the top-left cell become MergedCells
            it = mcr.cells
            next(it)
            for row, col in it:
                cells[row, col] = MergedCell(ws, row, col)
            # MergedCellRange.format
            for name in ("top", "left", "right", "bottom"):
                start_id = _style(start).borderId        # read again: an edge step may change it
                side = getattr(borders[start_id], name)
                if side and side.style is None:
                    continue
                for coord in getattr(mcr, name):
                    cell = cells.get(coord)
                    if cell is None:
                        cell = MergedCell(ws, row=coord[0], column=coord[1])
                        cells[coord] = cell
                    add_border(cell, ("edge", start_id, name), lambda: Border(**{name: side}))
            # protection: openpyxl always copies the top-left cell's onto every cell of the range
            key = ("protection", _style(start).protectionId)
            if key not in memo:
                memo[key] = protections.add(copy.copy(protections[start._style.protectionId]))
            for coord in mcr.cells:
                cell = cells.get(coord)
                if cell is None:
                    cell = MergedCell(ws, row=coord[0], column=coord[1])
                    cells[coord] = cell
                _style(cell).protectionId = memo[key]
            ranges.append(mcr)
        ws.merged_cells = MultiCellRange(ranges)


_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def _plain(data: bytes) -> bool:
    """A part expat reads as UTF-8 (no BOM but UTF-8's, no other declared encoding) with no DOCTYPE:
    nothing in it can declare or refer to an entity."""
    head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not head.startswith(b"<") or head.startswith(b"<\x00"):
        return False
    declared = _ENCODING.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return False
    return b"<!DOCTYPE" not in head


_THEIRS = _reader.iterparse          # openpyxl.xml.functions.iterparse: defusedxml's, openpyxl installed with it


def iterparse(source, events=None, parser=None):
    """openpyxl's iterparse (defusedxml's) for its worksheet and shared-strings readers, the C
    parser's when the part is _plain: the same ("end", element) events."""
    data = source.read()
    if parser is None and _plain(data):
        return ElementTree.iterparse(io.BytesIO(data), events)
    return _THEIRS(io.BytesIO(data), events, parser)


_T_TAG = f"{{{SHEET_MAIN_NS}}}t"


class _Content(NamedTuple):
    content: str


class _InlineText:
    """openpyxl's Text where its worksheet reader reads an inline string: Text.from_tree(node).content."""

    @staticmethod
    def from_tree(node):
        if not node.attrib and len(node) == 1 and node[0].tag == _T_TAG:
            text = node[0].text            # Text(t=<t>'s text): content is it, or '' for none
            return _Content(text if text is not None else "")
        return Text.from_tree(node)


_MERGE_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"
_PLAIN_RANGE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}:[A-Z]{1,3}[1-9][0-9]{0,6}$")


class _Bounds(NamedTuple):
    min_col: int
    min_row: int
    max_col: int
    max_row: int


class _MergeList:
    """openpyxl's MergeCells where its worksheet reader reads <mergeCells>: from_tree(node).mergeCell,
    each range's bounds (all _MergeBinder.bind_merged_cells reads of them)."""

    def __init__(self, ranges: list) -> None:
        self.mergeCell = ranges

    @classmethod
    def from_tree(cls, node):
        if set(node.attrib) - {"count"}:           # MergeCells(**attrib) takes count alone
            return MergeCells.from_tree(node)
        ranges = []
        for el in node:
            ref = el.get("ref")
            if el.tag != _MERGE_TAG or len(el) or len(el.attrib) != 1 or ref is None or not _PLAIN_RANGE.match(ref):
                return MergeCells.from_tree(node)
            bounds = _Bounds(*range_boundaries(ref))
            # CellRange's checks: rows within a sheet (three letters are within 18,278 columns), not reversed
            if bounds.max_row > 1048576 or bounds.min_row > 1048576 or bounds.min_col > bounds.max_col \
                    or bounds.min_row > bounds.max_row:
                return MergeCells.from_tree(node)
            ranges.append(bounds)
        return cls(ranges)


_coordinate_to_tuple = lru_cache(maxsize=1 << 16)(coordinate_to_tuple)


# Per workbook, while it loads (a style list only grows during the load: an id once given stays).
_MEMO: "weakref.WeakKeyDictionary[Workbook, dict]" = weakref.WeakKeyDictionary()
_SWAP = threading.Lock()


def load_xlsx(data: bytes) -> Workbook:
    """openpyxl.load_workbook(data, keep_vba=False, keep_links=False), merged cells bound by _MergeBinder,
    worksheets and shared strings parsed by `iterparse`, inline strings read by _InlineText, merged
    ranges by _MergeList, cell references by _coordinate_to_tuple. openpyxl's readers name
    WorksheetReader, iterparse, Text, MergeCells and coordinate_to_tuple from their modules, so
    they are swapped for the load (under a lock: concurrent loads in this process meanwhile load
    the same way, with the same result)."""
    reader = excel.ExcelReader(io.BytesIO(data), read_only=False, keep_vba=False, data_only=False,
                               keep_links=False, rich_text=False)
    with _SWAP:
        excel.WorksheetReader = _MergeBinder
        _reader.iterparse = strings.iterparse = iterparse
        _reader.Text, _reader.MergeCells = _InlineText, _MergeList
        _reader.coordinate_to_tuple = _coordinate_to_tuple
        try:
            reader.read()
        finally:
            excel.WorksheetReader = WorksheetReader
            _reader.iterparse = strings.iterparse = _THEIRS
            _reader.Text, _reader.MergeCells = Text, MergeCells
            _reader.coordinate_to_tuple = coordinate_to_tuple
            if getattr(reader, "wb", None) is not None:    # there is none if the load failed early
                _MEMO.pop(reader.wb, None)
    return reader.wb
