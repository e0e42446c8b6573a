"""What a publish would write, as one sha256, so that a rerun with nothing new rewrites nothing.

The fingerprint covers the frames the workbook and the receipts are built from, the PublishMeta
fields that reach them (not generated_at: the workbook does not show it, and receipts are
compared without it) and the code that lays them out. It is stored in the workbook itself, as
a custom document property: it travels with the file, and a file replaced by another one (an
older publish, a copy saved from Excel) does not carry it."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.custom import CustomPropertyList, StringProperty
from openpyxl.xml.functions import fromstring

from publish.files import LATEST, UPWARD_LATEST, summary_name, upward_name

PROPERTY = "campaign_publish_fingerprint"
_CUSTOM_PART = "docProps/custom.xml"
# a change to the layout code changes what a publish writes, even from the same data
_LAYOUT_MODULES = ("publish.workbook", "publish.stream", "publish.receipts", "publish.official", "publish.printing",
                   "publish.words", "publish.places", "publish.writeback", "publish.layout", "campaign.forms",
                   "campaign.dates",
                   "publish.sheet_assessment", "publish.receipt_documents", "publish.sheet_identity", "publish.sheet_changes",
                   "publish.upward", "publish.files", "publish.dues", "publish.sheet_dues")


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    h = hashlib.sha256(openpyxl.__version__.encode())
    for name in _LAYOUT_MODULES:
        __import__(name)
        h.update(Path(sys.modules[name].__file__).read_bytes())
    return h.digest()


def _text(value) -> str:
    """Object-column values as typed text: None, '' and 'None', 1 and '1', lists and their items stay apart."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + "\x1f".join(_text(v) for v in value) + "]"
    return f"{type(value).__name__}:{value}"


def _column(s: pd.Series) -> bytes:
    missing = s.isna().to_numpy(dtype=bool)
    if s.dtype == object:
        s = s.map(_text)
    return missing.tobytes() + pd.util.hash_pandas_object(s, index=False, categorize=False).to_numpy().tobytes()


def _frame(h, name: str, df: pd.DataFrame) -> None:
    h.update(json.dumps([name, len(df), [[str(c), str(t)] for c, t in df.dtypes.items()]]).encode())
    for col in df.columns:
        h.update(hashlib.sha256(_column(df[col])).digest())


def fingerprint(frames, meta) -> str:
    """sha256 of what publishing `frames` with `meta` writes (SummaryFrames, PublishMeta)."""
    h = hashlib.sha256(_code_version())
    h.update(json.dumps({"data_date": meta.data_date.isoformat(), "timezone": meta.timezone,
                         "campaign_name": meta.campaign_name, "risk": meta.risk,
                         "office": getattr(meta, "office", {}), "date_given": getattr(meta, "date_given", False),
                         "detail_units_max": getattr(meta, "detail_units_max", None)},
                        sort_keys=True, default=str).encode())
    for f in dataclasses.fields(frames):
        _frame(h, f.name, getattr(frames, f.name))
    return h.hexdigest()


def stamp(wb: Workbook, value: str) -> Workbook:
    wb.custom_doc_props.append(StringProperty(name=PROPERTY, value=value))
    return wb


def stamp_of(data: bytes) -> str | None:
    """The fingerprint a published workbook carries (None: not one of ours, or unreadable)."""
    return stamp_of_property(data, PROPERTY)


def stamp_of_property(data: bytes, name: str) -> str | None:
    """The custom document property `name` of a workbook (None: absent, or unreadable)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            props = CustomPropertyList.from_tree(fromstring(z.read(_CUSTOM_PART)))
        return str(props[name].value)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError):
        return None


def is_published(publish_dir: Path, data_date, value: str) -> bool:
    """The dated workbook and latest.xlsx, and the dated upward report and 上报_latest.xlsx, are
    there, each pair the same file, and all carry `value`."""
    for dated_name, latest_name in ((summary_name(data_date), LATEST), (upward_name(data_date), UPWARD_LATEST)):
        try:
            dated = (Path(publish_dir) / dated_name).read_bytes()
            latest = (Path(publish_dir) / latest_name).read_bytes()
        except OSError:
            return False
        if dated != latest or stamp_of(dated) != value:
            return False
    return True
