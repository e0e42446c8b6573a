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


class _Ahead:
    """`fn` over `items` in a worker pool started now (or one handed over, owned from here), the
    results taken in order by `_all()`; what the pool does not deliver (it could not start, a
    worker died) is done in this process. Fewer than `parallel_min_files` items, or one worker: no
    pool, all done in `_all()`. `what`, `verb`, `noun` word the warnings ("the marked-copy worker
    processes failed …; drawing the 3 left in the flow's process")."""

    def __init__(self, fn, items: Sequence, ex: Execution, words: tuple[str, str, str],
                 pool: ProcessPoolExecutor | None = None, workers: int | None = None) -> None:
        self.fn, self.items, self.words = fn, list(items), words
        self.pool: ProcessPoolExecutor | None = pool
        self.mapped = None
        self.done: list | None = None
        if ex.workers > 1 and len(self.items) >= ex.parallel_min_files:
            try:
                # small chunks keep both workers busy to the end; an item is small to send
                size = max(1, min(8, math.ceil(len(self.items) / (ex.workers * 4))))
                if self.pool is None:
                    self.pool = worker_pool(workers or min(ex.workers, len(self.items)))
                with main_not_reimported():   # workers start on the first submits
                    self.mapped = self.pool.map(fn, self.items, chunksize=size)
            except (BrokenProcessPool, OSError) as exc:
                what, verb, noun = words
                log.warning("the %s worker processes did not start (%s); %s the %s in the flow's process",
                            what, type(exc).__name__, verb, noun)
                self.close()
        else:
            self.close()   # few items: done here, a pool handed over is not needed

    def _all(self, release: bool) -> list:
        """Every item's result, in order (asked again: the same list); release: the pool is shut once
        the pool's results are in (else it stays, to be handed over)."""
        if self.done is None:
            out: list = []
            try:
                for result in self.mapped or ():
                    out.append(result)
            except (BrokenProcessPool, OSError) as exc:
                what, verb, _ = self.words
                log.warning("the %s worker processes failed (%s); %s the %d left in the flow's process",
                            what, type(exc).__name__, verb, len(self.items) - len(out))
                self.close()
            finally:
                if release:
                    self.close()
            self.done = out + [self.fn(item) for item in self.items[len(out):]]
        return self.done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class CopiesAhead(_Ahead):
    """The marked copies of a big night, drawn by the pool while the flow builds the workbooks (the
    flow's process draws the workbooks on one core, the pool the copies on the others: at 3,000
    submissions the two were ≈ 7 + 8 s one after the other). `bodies()` waits for them, in order;
    a night with fewer than `parallel_min_files` copies to draw starts nothing here and draws them
    in `bodies()`, as draw_copies does. Always `close()`d (publish_flow's ExitStack): no worker outlives it."""

    def __init__(self, jobs: Sequence[CopyJob], ex: Execution, names: Mapping[str, str] | None = None,
                 pool: ProcessPoolExecutor | None = None) -> None:
        self.names = dict(names or {})       # sha256 -> copy's file name (publish.writeback.copy_jobs)
        # a pool handed over is PlacesAhead's; else one of up to a worker per copy, openpyxl imported before the fork
        super().__init__(draw_copy, jobs, ex, ("marked-copy", "drawing", "copies"), pool)

    @property
    def jobs(self) -> list[CopyJob]:
        return self.items

    def bodies(self) -> list[bytes]:
        """Every job's bytes, in order (asked again, after a retried task: the same bytes)."""
        return self._all(release=True)


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


class PlacesAhead(_Ahead):
    """The problem places of a big night (publish.places), read by a pool; `files()` waits for them
    (sha256 -> FilePlaces, as places_of_files returns), then `handover()` gives the pool to the marked
    copies. Fewer than `parallel_min_files` files are read in `files()`, here; a pool that cannot
    start or loses a worker leaves the rest to this process."""

    def __init__(self, frames, data: Path, ex: Execution) -> None:
        wanted = problem_archives(frames.submissions, frames.validation_issues)
        self.shas = [sha for sha, _ in wanted]
        self.read: dict[str, FilePlaces | None] | None = None
        super().__init__(archived_places, [str(Path(data) / archive) for _, archive in wanted], ex,
                         ("problem-places", "reading", "files"),
                         workers=ex.workers)   # as many as the copies after it will want

    def files(self) -> dict[str, FilePlaces | None]:
        if self.read is None:
            self.read = dict(zip(self.shas, self._all(release=False)))
        return self.read

    def handover(self) -> ProcessPoolExecutor | None:
        """The pool, for the marked copies (None: none is running); this no longer owns it."""
        self.files()
        pool, self.pool = self.pool, None
        return pool
