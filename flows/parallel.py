"""Where the parse stage runs: in the flow's process, in a local process pool, or on a Dask cluster.

Chosen by the `[execution]` table of the config file (every key optional):

    task_runner = "threads"      # "threads": this machine (a process pool parses big nights)
                                 # "dask": parse and validate on a Dask cluster (prefect-dask)
    dask_address = ""            # "" = a local Dask cluster for the run; "tcp://host:8786" = a running scheduler
    parse_workers = 0            # processes (local) or Dask workers (local cluster); 0 = one per CPU core
    parallel_min_files = 64      # fewer new files than this are parsed in the flow's own process
    chunk_files = 50             # files per unit of work sent to a worker
    batch_files = 1000           # files parsed, validated and loaded together: bounds the memory of a run

Parsing is deterministic wherever it runs: each file is parsed on its own, the results come back
in the order of the files. One file never stops the others: a bug of ours on a file becomes an
INTERNAL_ERROR verdict for that file; a worker process that dies (a reader crash) is replaced
and the files it held are parsed again, each on its own, so only the file that crashes it is
rejected.

No Prefect, pandas or GX import at module level: pool workers import this module.
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator

from support.processes import die_with_parent, main_not_reimported
from transforms.issues import error

log = logging.getLogger("campaign.ingest")

RUNNERS = ("threads", "dask")


@dataclass(frozen=True)
class Execution:
    task_runner: str = "threads"
    dask_address: str = ""
    parse_workers: int = 0
    parallel_min_files: int = 64
    chunk_files: int = 50
    batch_files: int = 1000

    @classmethod
    def from_config(cls, config) -> "Execution":
        raw = dict(config.raw.get("execution", {}) or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"[execution] in {config.source}: unknown keys {unknown}; known: {sorted(known)}")
        ex = cls(**raw)
        if ex.task_runner not in RUNNERS:
            raise ValueError(f"[execution] task_runner = {ex.task_runner!r} in {config.source}: use one of {RUNNERS}")
        if min(ex.chunk_files, ex.batch_files, ex.parallel_min_files) < 1 or ex.parse_workers < 0:
            raise ValueError(f"[execution] in {config.source}: chunk_files, batch_files and parallel_min_files "
                             f"must be >= 1, parse_workers >= 0")
        return ex

    @property
    def workers(self) -> int:
        return self.parse_workers or os.cpu_count() or 1


@dataclass
class ParseJob:
    """One file to parse: its bytes, or (local pool) the archive path a worker reads them from."""
    index: int
    file_name: str
    unit: str
    unit_kind: str | None
    path: str | None = None
    data: bytes | None = field(default=None, repr=False)


class Sealed:
    """A task parameter Prefect passes along without walking through it: Prefect visits every element
    of lists, dicts and dataclasses it is given (looking for futures), and a batch's rows are a
    million values. (Direct task calls use prefect's `quote`, which prefect-dask does not unwrap.)"""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


# (forms, issues, traceback of a bug of ours or None)
Outcome = tuple[list, list, str | None]


def internal_error(exc_name: str):
    return error("INTERNAL_ERROR", f"处理该文件时程序出错（{exc_name}），请联系运维。"
                 f" The pipeline failed on this file; ops: see the run log.")


def examine_job(job: ParseJob, intake: dict) -> Outcome:
    """Parse one file (transforms.submission.examine): never raises."""
    from transforms.submission import examine   # pandas: not at module level, see the docstring

    try:
        data = job.data if job.data is not None else Path(job.path).read_bytes()
        _, forms, issues = examine(data, job.file_name, job.unit, job.unit_kind, intake)
        return forms, issues, None
    except Exception as exc:  # a bug of ours must not stop the night, nor hide the file
        return [], [internal_error(type(exc).__name__)], traceback.format_exc()


def examine_chunk(jobs: list[ParseJob], intake: dict) -> list[Outcome]:
    return [examine_job(job, intake) for job in jobs]


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# What every pool of a night runs: the parser, the problem places and marked copies, the outbox. A process
# has one fork server, started by its first pool with that pool's preload (a later pool's list is
# ignored, and each of its workers would import its modules after the fork, ≈ 0.2 s each): so
# every pool asks for all of them.
NIGHT_PRELOAD = ["flows.parallel", "transforms.submission", "transforms.grid", "publish.places", "publish.writeback",
                 "publish.outbox"]


def _night_context():
    """The fork server's context with NIGHT_PRELOAD; spawn where there is no fork server."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(NIGHT_PRELOAD)
        return ctx
    except ValueError:
        return multiprocessing.get_context("spawn")


def start_fork_server() -> None:
    """Start the night's fork server now, when a big night is found: it imports NIGHT_PRELOAD
    (≈ 0.6 s of one core) on the other core while the flow's process archives, instead of when the
    first pool starts, with the flow waiting. Nothing happens where there is no fork server."""
    from multiprocessing import forkserver

    if _night_context().get_start_method() != "forkserver":
        return
    try:
        with main_not_reimported():   # the server would import the caller's __main__ too
            forkserver.ensure_running()
    except OSError as exc:   # the first pool says so, if it cannot start either
        log.debug("no fork server started ahead: %s", exc)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a server that has imported NIGHT_PRELOAD (no fork of the flow's
    process: Prefect's threads hold locks a forked child would inherit); none outlives the flow."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_night_context(), initializer=die_with_parent,
                               initargs=(os.getpid(),))


def _run_pool(groups: list[list[ParseJob]], intake: dict, workers: int, out: dict[int, Outcome]) -> list[ParseJob]:
    """Parse the groups in one pool; return the jobs of every group lost to a dead worker."""
    lost: list[ParseJob] = []
    with worker_pool(min(workers, len(groups))) as pool:
        with main_not_reimported():   # workers start on the first submits
            futures = [(group, pool.submit(examine_chunk, group, intake)) for group in groups]
        for group, future in futures:
            try:
                for job, outcome in zip(group, future.result()):
                    out[job.index] = outcome
            except BrokenProcessPool:
                lost += group
    return lost


def parse_local(jobs: list[ParseJob], intake: dict, ex: Execution) -> list[Outcome]:
    """Every job's outcome, in order: in this process for a few files, else in a process pool."""
    if ex.workers <= 1 or len(jobs) < ex.parallel_min_files:
        return examine_chunk(jobs, intake)
    out: dict[int, Outcome] = {}
    # small enough chunks that both workers stay busy to the end, big enough to amortise the pickling
    size = max(1, min(ex.chunk_files, math.ceil(len(jobs) / (ex.workers * 4))))
    lost = _run_pool(list(chunks(jobs, size)), intake, ex.workers, out)
    if lost and not out:   # not one chunk came back: the pool cannot run here at all, parse in this process
        log.warning("the parse worker processes failed to start; parsing %d files in the flow's process", len(jobs))
        return examine_chunk(jobs, intake)
    if lost:   # a worker died: again, one file per task, so that the innocent files come through
        log.warning("a parse worker died; parsing its %d files again one by one", len(lost))
        lost = _run_pool([[job] for job in lost], intake, ex.workers, out)
    for job in lost:   # still lost: each file alone in its own process
        if _run_pool([[job]], intake, 1, out):
            log.error("the reader crashed on %s (%s): rejected", job.file_name, job.unit)
            out[job.index] = ([], [internal_error("WorkerCrash")], f"worker process died parsing {job.file_name}")
    return [out[job.index] for job in jobs]
