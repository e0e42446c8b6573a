"""Run the suites in expectations/suites/ on parsed frames, once per batch.

All submissions' rows of one form are validated in a single frame (the `_submission` column
says which file each row came from); each failed row maps back to its file, sheet and cell.
Validating per batch instead of per file costs one GX validation per suite per run.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from campaign.forms import FORMS_BY_CODE
from transforms.issues import Issue
from transforms.parse import form_frame, totals_frame
from transforms.text import normalize_label

SUITES_DIR = Path(__file__).with_name("suites")
SUITE_FORM = {"form1": "附件1", "form1_totals": "附件1", "form2": "附件2", "form2_totals": "附件2", "form3": "附件3"}
log = logging.getLogger(__name__)


@dataclass
class FormRows:
    """One form's parsed rows (or 合计 checks) of one submission, queued for validation."""
    submission: int      # caller's index of the submission in this batch
    unit: str
    records: list[dict]


def queue(batches: dict[str, list[FormRows]], submission: int, unit: str, forms) -> None:
    """Add a submission's counting forms (transforms.submission.FormRecord) to the batch, per suite.

    An ignored form (a department's 附件3, a blank form) is not validated."""
    for f in forms:
        if not f.counts:
            continue
        key = FORMS_BY_CODE[f.form].key
        batches.setdefault(key, []).append(FormRows(submission, unit, f.records))
        if f.total_records:
            batches.setdefault(f"{key}_totals", []).append(FormRows(submission, unit, f.total_records))


def load_suite_file(name: str) -> dict:
    return json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _suite_spec(name: str) -> dict:
    """The suite file as read once by this process (as _suite is): the meta and arguments issues are made of."""
    return load_suite_file(name)


_CONTEXT_LOCK = threading.Lock()


def gx_context():
    """An ephemeral GX context with progress bars and usage statistics off (logs stay readable, no network)."""
    with _CONTEXT_LOCK:   # one context per process, even while warm_up() is creating it in a thread
        return _new_context()


def prepare() -> None:
    """Import GX and create its context now (2.5–5 s, by the machine), so that the first validation finds it ready."""
    gx_context()


@lru_cache(maxsize=1)
def _new_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX's INFO lines ("Created temporary directory ... for ephemeral docs site") are noise in a night's log
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)   # it sets INFO itself

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx, ctx.data_sources.add_pandas("parsed_forms")


@lru_cache(maxsize=256)   # the full suites, and the failed subsets of recent nights
def _suite(name: str, only: tuple[int, ...] | None = None):
    """The suite file as a GX suite; `only`: just those expectations (by position in the file).
    Each expectation's meta carries its position (`suite_index`), so a result names its entry."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = _suite_spec(name)
    chosen = range(len(spec["expectations"])) if only is None else only
    configs = [ExpectationConfiguration(**{**spec["expectations"][i],
                                           "meta": {**spec["expectations"][i].get("meta", {}), "suite_index": i}})
               for i in chosen]
    return ExpectationSuite(name=spec["name"] if only is None else f"{spec['name']}_failed", expectations=configs)


@lru_cache(maxsize=None)
def suite_columns(name: str) -> frozenset[str]:
    """Every column the suite's expectations read: their column arguments and row conditions."""
    def named(node) -> set[str]:
        if isinstance(node, dict):
            found = {node["name"]} if isinstance(node.get("name"), str) and set(node) == {"name"} else set()
            return found.union(*(named(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(named(v) for v in node))
        return set()

    cols: set[str] = set()
    for exp in load_suite_file(name)["expectations"]:
        kw = exp["kwargs"]
        cols.update(kw[k] for k in ("column", "column_A", "column_B") if k in kw)
        cols.update(kw.get("column_list", []))
        cols |= named(kw.get("row_condition"))
    return frozenset(cols)


@lru_cache(maxsize=None)
def _batch_definition(name: str):
    _, source = gx_context()
    return source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(f"{name}_batch")


def _combine(name: str, items: list[FormRows]) -> pd.DataFrame:
    """One frame of every queued submission's rows, built once for the batch, the bookkeeping columns
    added once (a frame per file would cost more than parsing and validating the files)."""
    import numpy as np

    records = [rec for item in items for rec in item.records]
    frame = totals_frame(records) if name.endswith("_totals") else form_frame(records, FORMS_BY_CODE[SUITE_FORM[name]])
    lengths = [len(item.records) for item in items]
    frame["_submission"] = np.repeat(np.array([item.submission for item in items], dtype="int64"), lengths)
    frame["_unit"] = np.repeat(np.array([item.unit for item in items], dtype=object), lengths)
    if name == "form3":
        frame["county_key"] = frame["county"].map(lambda v: normalize_label(v) if v else None)
        frame["_rows_in_form"] = np.repeat(np.array(lengths, dtype="int64"), lengths)
    return frame


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    return str(v)


def _value(row: pd.Series, kwargs: dict) -> str | None:
    if "column_A" in kwargs:
        a, b = kwargs["column_A"], kwargs["column_B"]
        return f"{a}={_text(row.get(a + '__text', row.get(a)))}, {b}={_text(row.get(b + '__text', row.get(b)))}"
    if "column_list" in kwargs:
        return _text(row.get("company_name"))
    col = kwargs["column"]
    if col == "abs_diff":
        return f"合计={_text(row['declared__text'])}, 各行之和={row['computed']:.2f}"
    base = col.removesuffix("__text")
    return _text(row.get(base + "__text", row.get(col)))


def validate_here(batches: dict[str, list[FormRows]], sum_tolerance: float) -> list[tuple[int, Issue]]:
    """validate() in this process."""
    found: list[tuple[int, Issue]] = []
    for name, items in batches.items():
        items = [i for i in items if i.records]
        if not items:
            continue
        frame = _combine(name, items)
        seen = frame[[c for c in frame.columns if c in suite_columns(name)]]
        key = _content_key(name, seen, sum_tolerance)
        failures = _RECENT.get(key)
        if failures is None:
            failures = _validated(name, seen, sum_tolerance)
            _RECENT[key] = failures
            while len(_RECENT) > _RECENT_SIZE:
                _RECENT.popitem(last=False)
        found += _failed_rows(name, frame, failures)
    return found


def _validated(name: str, seen: pd.DataFrame, sum_tolerance: float) -> Failures:
    # GX sees only the columns the suite names (same index): it fingerprints the whole frame on every
    # validation and copies it for every row condition; the bookkeeping columns (cells, Decimals,
    # sheet names) are for reporting, read back from the whole frame by index (_failed_rows)
    batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": seen})
    failed = _failed(_run(batch, _suite(name), "BOOLEAN_ONLY", sum_tolerance))
    if not failed:
        return ()
    return _failures(_run(batch, _suite(name, failed), "COMPLETE", sum_tolerance))


# The failed rows of this process's recent batches, by what GX saw: the suite's columns of a batch
# (their values, types and row index) under the same suite and tolerance fail the same rows, and GX
# spends ~0.3 s per suite even on a one-file batch. Only the suite's columns are keyed (a seventh of
# the frame to hash); the issues are built from the current frame, so its cells, sheets and
# submission ids are always this batch's. Hits: serve's long-lived validator asked again about the
# same archive (`campaign reprocess` twice with unchanged rules), and above all the test suite's many
# nights over the same workbooks; a night's new files are never a hit. The suites are read once per
# process (_suite), so a hit is never for other rules.
Failures = tuple[tuple[int, tuple], ...]   # (expectation's position in the suite file, its failed row indexes)
_RECENT: OrderedDict[str, Failures] = OrderedDict()
_RECENT_SIZE = 64


def _content_key(name: str, seen: pd.DataFrame, sum_tolerance: float) -> str:
    return hashlib.sha256(pickle.dumps((name, float(sum_tolerance), seen), protocol=5)).hexdigest()


def _run(batch, suite, result_format: str, sum_tolerance: float):
    """The suite's results on the batch; an expectation that raised is a bug of ours, never the
    unit's: it fails loudly."""
    result = batch.validate(suite, result_format={"result_format": result_format},
                            expectation_parameters={"sum_tolerance": sum_tolerance})
    for res in result.results:
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {res.expectation_config.type} in suite {suite.name} raised: "
                               f"{res.exception_info.get('exception_message')}")
    return result


def _failed(result) -> tuple[int, ...]:
    """Positions (in the suite file) of the expectations the batch failed.

    Validation runs in two passes: pass/fail for the whole suite (BOOLEAN_ONLY: half the cost of
    asking every expectation for its failing rows), then the failing rows of the failed ones only.
    Most expectations pass on a night's batch."""
    return tuple(sorted(res.expectation_config.meta["suite_index"] for res in result.results if not res.success))


def _failures(result) -> Failures:
    """The failed expectations of a COMPLETE result and the index of every row each names, in the
    suite file's order (GX orders results its own way, which depends on what else is validated with them)."""
    failed = sorted(((res.expectation_config.meta["suite_index"], res) for res in result.results if not res.success),
                    key=lambda pair: pair[0])
    return tuple((i, tuple(idx if not isinstance(idx, dict) else idx.get("index")
                           for idx in res.result.get("unexpected_index_list") or []))
                 for i, res in failed)


def _failed_rows(name: str, frame: pd.DataFrame, failures: Failures) -> list[tuple[int, Issue]]:
    """(submission, issue) for every failed row, its cell, sheet and value read from the whole frame."""
    spec = _suite_spec(name)["expectations"]
    found: list[tuple[int, Issue]] = []
    for i, rows in failures:
        kwargs, meta = spec[i]["kwargs"], spec[i]["meta"]
        for idx in rows:
            row = frame.loc[idx]
            cell_col = meta["cell"]
            cell = row.get(f"{cell_col}__cell") if f"{cell_col}__cell" in row else row.get(cell_col)
            found.append((int(row["_submission"]), Issue(
                rule=meta["rule"], severity=meta["severity"], message=meta["message"],
                form=SUITE_FORM[name], sheet=row["sheet"], cell=_text(cell), value=_value(row, kwargs))))
    return found
