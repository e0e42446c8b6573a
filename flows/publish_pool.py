"""The marked copies of a big night, drawn in a process pool.

A marked copy is openpyxl loading and saving the unit's whole workbook (≈ 0.05 s each, pure
Python, its merged cells bound by publish/copy_load.py): a first night at N = 3,000 draws ≈ 250
of them. They are independent, so a pool of `[execution] parse_workers` processes (0 = one per
core) draws them when there are at least `parallel_min_files` to draw, started before the
workbooks so that both are drawn at once (CopiesAhead); fewer are drawn in the flow's own process
(a pool's start costs more than it saves). Each copy is drawn by the same pure function wherever
it runs (publish.writeback.draw_copy) and written by the flow in order, so the copies are the same
whichever way they were drawn. A pool that cannot start or loses a worker does not stop the
publish: what it did not draw is drawn here.
"""
from __future__ import annotations

import logging
import math
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Mapping, Sequence

from flows.parallel import Execution, worker_pool
from publish.writeback import CopyJob, copy_jobs, draw_copy
from support.processes import main_not_reimported

log = logging.getLogger("campaign.publish")


def draw_copies(jobs: Sequence[CopyJob], ex: Execution) -> list[bytes]:
    """Every job's bytes, in order: in a pool for many, else here."""
    ahead = CopiesAhead(jobs, ex)
    try:
        return ahead.bodies()
    finally:
        ahead.close()


class CopiesAhead:
    """The marked copies of a big night, drawn by the pool while the flow builds the workbooks (the
    flow's process draws the workbooks on one core, the pool the copies on the others: at 3,000
    submissions the two were ≈ 7 + 8 s one after the other). `bodies()` waits for them, in order;
    a night with fewer than `parallel_min_files` copies to draw starts nothing here and draws them
    in `bodies()`, as draw_copies does. Always `close()`d (publish_flow's ExitStack): no worker outlives it."""

    def __init__(self, jobs: Sequence[CopyJob], ex: Execution, names: Mapping[str, str] | None = None) -> None:
        self.jobs, self.ex = list(jobs), ex
        self.names = dict(names or {})       # sha256 -> copy's file name (publish.writeback.copy_jobs)
        self.pool: ProcessPoolExecutor | None = None
        self.results = None
        self.done: list[bytes] | None = None
        if ex.workers > 1 and len(self.jobs) >= ex.parallel_min_files:
            try:
                # small chunks keep both workers busy to the end; a copy's job is small to send
                size = max(1, min(8, math.ceil(len(self.jobs) / (ex.workers * 4))))
                self.pool = worker_pool(min(ex.workers, len(self.jobs)))   # openpyxl imported before the fork
                with main_not_reimported():   # workers start on the first submits
                    self.results = self.pool.map(draw_copy, self.jobs, chunksize=size)
            except (BrokenProcessPool, OSError) as exc:
                log.warning("the marked-copy worker processes did not start (%s); drawing the copies in the "
                            "flow's process", type(exc).__name__)
                self.close()

    def bodies(self) -> list[bytes]:
        """Every job's bytes, in order (asked again, after a retried task: the same bytes)."""
        if self.done is None:
            out: list[bytes] = []
            try:
                for body in self.results or ():
                    out.append(body)
            except (BrokenProcessPool, OSError) as exc:
                log.warning("the marked-copy worker processes failed (%s); drawing the %d left in the flow's "
                            "process", type(exc).__name__, len(self.jobs) - len(out))
            finally:
                self.close()
            self.done = out + [draw_copy(job) for job in self.jobs[len(out):]]
        return self.done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def copies_ahead(frames, files: Mapping, receipts_dir: Path, data: Path, office: Mapping | None, force: bool,
                 ex: Execution) -> CopiesAhead:
    """The copies tonight's publish will write (publish.writeback.copy_jobs, planned once), started now."""
    names, jobs = copy_jobs(frames, files, receipts_dir, data, office, force)
    return CopiesAhead(jobs, ex, names)
