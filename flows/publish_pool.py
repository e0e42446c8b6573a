"""The problem places and the marked copies of a big night, in a process pool.

A marked copy is openpyxl loading and saving the unit's whole workbook (≈ 0.02–0.05 s each, pure
Python, its merged cells bound by publish/copy_load.py): a first night at N = 3,000 draws ≈ 250
of them. They are independent, so a pool of `[execution] parse_workers` processes (0 = one per
core) draws them when there are at least `parallel_min_files` to draw, started before the
workbooks so that both are drawn at once (CopiesAhead); fewer are drawn in the flow's own
process (a pool's start costs more than it saves). Each copy is drawn by the same pure function wherever
it runs (publish.writeback.draw_copy) and written by the flow in order, so the copies are the same
whichever way they were drawn. A pool that cannot start or loses a worker does not stop the
publish: what it did not draw is drawn here.

Before the copies, the same pool reads the problem places (publish.places: each file some problem
names a cell of, parsed again, ≈ 4 ms a file: ≈ 1 s of the flow's own core at 3,000, ≈ 0.5 s
waited for here; PlacesAhead); the copies then take the pool over at once.
"""
from __future__ import annotations

import logging
import math
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Mapping, Sequence

from flows.parallel import Execution, worker_pool
from publish.places import FilePlaces, archived_places, problem_archives
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

    def __init__(self, jobs: Sequence[CopyJob], ex: Execution, names: Mapping[str, str] | None = None,
                 pool: ProcessPoolExecutor | None = None) -> None:
        self.jobs, self.ex = list(jobs), ex
        self.names = dict(names or {})       # sha256 -> copy's file name (publish.writeback.copy_jobs)
        self.pool: ProcessPoolExecutor | None = pool     # a pool already started (PlacesAhead's), taken over
        self.results = None
        self.done: list[bytes] | None = None
        if ex.workers > 1 and len(self.jobs) >= ex.parallel_min_files:
            try:
                # small chunks keep both workers busy to the end; a copy's job is small to send
                size = max(1, min(8, math.ceil(len(self.jobs) / (ex.workers * 4))))
                if self.pool is None:
                    self.pool = worker_pool(min(ex.workers, len(self.jobs)))   # openpyxl imported before the fork
                with main_not_reimported():   # workers start on the first submits
                    self.results = self.pool.map(draw_copy, self.jobs, chunksize=size)
            except (BrokenProcessPool, OSError) as exc:
                log.warning("the marked-copy worker processes did not start (%s); drawing the copies in the "
                            "flow's process", type(exc).__name__)
                self.close()
        else:
            self.close()   # few copies: drawn here, a pool taken over is not needed

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
                 ex: Execution, pool: ProcessPoolExecutor | None = None) -> CopiesAhead:
    """The copies tonight's publish will write (publish.writeback.copy_jobs, planned once), started now
    (in `pool` when one is handed over: CopiesAhead owns it from here)."""
    try:
        names, jobs = copy_jobs(frames, files, receipts_dir, data, office, force)
    except BaseException:
        if pool is not None:   # handed over and not yet owned: no worker outlives the publish
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    return CopiesAhead(jobs, ex, names, pool)


class PlacesAhead:
    """The problem places of a big night (publish.places), read by a pool; `files()` waits for them
    (sha256 -> FilePlaces, as places_of_files returns), then `handover()` gives the pool to the marked
    copies. Fewer than `parallel_min_files` files are read in `files()`, here; a pool that cannot
    start or loses a worker leaves the rest to this process."""

    def __init__(self, frames, data: Path, ex: Execution) -> None:
        self.wanted = [(sha, str(Path(data) / archive))
                       for sha, archive in problem_archives(frames.submissions, frames.validation_issues)]
        self.pool: ProcessPoolExecutor | None = None
        self.results = None
        self.done: dict[str, FilePlaces | None] | None = None
        if ex.workers > 1 and len(self.wanted) >= ex.parallel_min_files:
            try:
                self.pool = worker_pool(ex.workers)   # as many as the copies after it will want
                size = max(1, min(8, math.ceil(len(self.wanted) / (ex.workers * 4))))
                with main_not_reimported():
                    self.results = self.pool.map(archived_places, [path for _, path in self.wanted], chunksize=size)
            except (BrokenProcessPool, OSError) as exc:
                log.warning("the problem-places worker processes did not start (%s); reading the files in the "
                            "flow's process", type(exc).__name__)
                self.close()

    def files(self) -> dict[str, FilePlaces | None]:
        if self.done is None:
            got: list[FilePlaces | None] = []
            try:
                for places in self.results or ():
                    got.append(places)
            except (BrokenProcessPool, OSError) as exc:
                log.warning("the problem-places worker processes failed (%s); reading the %d left in the flow's "
                            "process", type(exc).__name__, len(self.wanted) - len(got))
                self.close()
            got += [archived_places(path) for _, path in self.wanted[len(got):]]
            self.done = {sha: places for (sha, _), places in zip(self.wanted, got)}
        return self.done

    def handover(self) -> ProcessPoolExecutor | None:
        """The pool, for the marked copies (None: none is running); this no longer owns it."""
        self.files()
        pool, self.pool = self.pool, None
        return pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
