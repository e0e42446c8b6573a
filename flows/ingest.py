"""The ingest flow: inbox -> archive -> parse -> validate -> load.

One bad file never stops the others: every problem becomes a verdict on that file.
Tasks work per stage over the whole batch (not one task run per file), so a night with a
thousand files costs a handful of task runs and one validation per form.
"""
from __future__ import annotations

import dataclasses
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote   # a batch's rows: Prefect must not walk every value

from campaign.config import Config, load_config
from campaign.obligations import obligations
from expectations.runner import queue
from expectations.validate import validate, warm_up
from flows.story import rule_at, split_skips, unit_lines
from intake.archive import archive_files, archive_skip_reason
from flows.documents import documents_task, split_documents
from flows.office import office_review_task, split_office
from flows.parallel import Execution, ParseJob, Sealed, chunks, examine_chunk, parse_local, start_fork_server
from flows.retries import transient_retries
from support.run_context import current_run_id, run_logger
from intake.scan import Found, scan_inbox
from transforms.credit_code import province_review
from transforms.identity import IdentitySettings
from transforms.issues import Issue
from transforms.submission import Receipt, Verdict, decide
from warehouse import db, load
from warehouse.documents import sync_obligations
from warehouse.housekeeping import remove_leftovers
from warehouse.lock import RunLock
from warehouse.runlog import RunRecord, utcnow
from warehouse.snapshot import refresh_snapshot


@dataclass
class Received:
    found: Found
    receipt: Receipt
    status: str                      # new | known | duplicate
    duplicate_of: str | None = None


@dataclass
class IngestResult:
    run_id: str
    verdicts: list[Verdict] = field(default_factory=list)
    known: int = 0                   # files already processed in an earlier run (same path, same bytes)
    skips: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per stage: scan, archive, parse, ...
    # verdicts[i].forms keep each form's metadata; their row frames are released once loaded (read them
    # from the warehouse), so that memory stays bounded by the largest batch ([execution] batch_files)

    def counts(self) -> dict[str, int]:
        c = Counter(v.status for v in self.verdicts)
        return {"seen": len(self.verdicts) + self.known, "accepted": c["accepted"], "rejected": c["rejected"],
                "duplicate": c["duplicate"], "skipped": len(self.skips), "known": self.known}

    def summary(self) -> str:
        """Plain-text run summary: verdicts per unit, then every rejected file with its reasons."""
        lines = [f"ingest run {self.run_id}"] + unit_lines(self.verdicts)
        for v in self.verdicts:
            if v.status == "rejected":
                lines.append(f"REJECTED {v.receipt.inbox_path}")
                for i in v.errors[:20]:
                    value = f" value={i.value!r}" if i.value is not None else ""
                    lines.append(f"  - {rule_at(i)}{value}: {i.message}")
                if len(v.errors) > 20:
                    lines.append(f"  ... and {len(v.errors) - 20} more errors (see validation_issues)")
        later, never = split_skips(self.skips)
        for path, reason in later:
            lines.append(f"not read {path}: {reason} (read by a later run)")
        for path, reason in never:
            lines.append(f"ignored  {path}: {reason} (not a submission)")
        c = self.counts()
        lines.append(f"total: {c['accepted']} accepted, {c['rejected']} rejected, {c['duplicate']} duplicate, "
                     f"{c['known']} already processed, {c['skipped']} skipped")
        return "\n".join(lines)


@task(name="scan-inbox", cache_policy=NONE)
def scan_task(inbox: Path, config: Config) -> tuple[list[Found], list[tuple[str, str]]]:
    found, skips = scan_inbox(inbox, config.intake, utcnow())
    run_logger().info("scanned %s: %d candidate files, %d skipped", inbox, len(found), len(skips))
    return found, skips


@task(name="archive", cache_policy=NONE, **transient_retries())   # warehouse busy: retried with back-off
def archive_task(found: list[Found], data_dir: Path, warehouse: Path) -> tuple[list[Received], list[tuple[str, str]]]:
    """Copy each file into the archive and sort new submissions from files already seen.

    A file that cannot be copied (changed while read, vanished, swapped for a link, no
    permission) is skipped with its reason and retried by the next run: it never stops the others."""
    con = db.connect(warehouse, read_only=True)
    try:
        seen = load.seen_receipts(con)
        first = load.first_paths(con)
        unchanged = load.known_by_stat(con)
    finally:
        con.close()
    now, out, unread = utcnow(), [], []
    # the quick check: same path, size and modification time as a file already recorded, its
    # archive copy in place: not read nor hashed again (a rerun costs a stat per file)
    hits = [unchanged.get((f.unit, f.inbox_path, f.size, f.mtime)) for f in found]
    known = [bool(hit and (f.unit, f.inbox_path, hit[0]) in seen and (Path(data_dir) / hit[1]).exists())
             for f, hit in zip(found, hits)]
    # the others copied a few at a time, each checked against the scan's size and mtime (a file
    # rewritten in place since is not archived); taken in the scan's order below
    copies = archive_files(((f.path, (f.size, f.mtime_ns) if f.mtime_ns else None)
                            for f, k in zip(found, known) if not k), Path(data_dir))
    for f, hit, k in zip(found, hits, known):
        if k:
            out.append(Received(f, Receipt(f.unit, f.file_name, f.inbox_path, hit[0], f.size, f.mtime, now, hit[1]),
                                "known"))
            continue
        copied = next(copies)   # the archive's own faults (DataDirFault) are raised here: they fail the run
        if isinstance(copied, OSError):   # the file's problem: skipped, read again by the next run
            reason = archive_skip_reason(copied)
            run_logger().warning("not read %s: %s (%s)", f.inbox_path, reason, copied)
            unread.append((f.inbox_path, reason))
            continue
        sha, rel = copied
        receipt = Receipt(f.unit, f.file_name, f.inbox_path, sha, f.size, f.mtime, now, rel)
        if (f.unit, f.inbox_path, sha) in seen:
            out.append(Received(f, receipt, "known"))
        elif (f.unit, sha) in first:
            out.append(Received(f, receipt, "duplicate", first[(f.unit, sha)]))
        else:
            first[(f.unit, sha)] = f.inbox_path
            out.append(Received(f, receipt, "new"))
    return out, unread


def _jobs(fresh: list[Received], data_dir: Path, config: Config, with_bytes: bool = False) -> list[ParseJob]:
    """What a worker needs to parse each file: the archive path (local pool) or the bytes (a cluster)."""
    def read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None   # the worker's read fails again and the file gets its INTERNAL_ERROR verdict
    jobs = []
    for i, r in enumerate(fresh):
        path = Path(data_dir) / r.receipt.archive_path
        jobs.append(ParseJob(i, r.receipt.file_name, r.receipt.unit, config.unit_kind(r.receipt.unit), str(path),
                             read(path) if with_bytes else None))
    return jobs


def _pending(fresh: list[Received], outcomes: list) -> list[Verdict]:
    log = run_logger()
    verdicts = []
    for r, (forms, issues, trace) in zip(fresh, outcomes):
        if trace:
            log.error("could not process %s:\n%s", r.receipt.inbox_path, trace)
        verdicts.append(Verdict(r.receipt, "pending", forms, issues))
    return verdicts


def _queued(pending: list[Verdict]) -> dict:
    batches: dict = {}
    for idx, v in enumerate(pending):
        queue(batches, idx, v.receipt.unit, v.forms)
    return batches


def _decided(pending: list[Verdict], found: list[tuple[int, Issue]]) -> list[Verdict]:
    for sub, issue in found:
        pending[sub].issues.append(issue)
    return [decide(v.receipt, v.forms, v.issues) for v in pending]


def _duplicates(received: list[Received]) -> list[Verdict]:
    return [Verdict(r.receipt, "duplicate", duplicate_of=r.duplicate_of) for r in received if r.status == "duplicate"]


def _released(v: Verdict) -> Verdict:
    """The verdict as the run result keeps it once loaded: forms without their row frames (they are in
    the warehouse), so that a night's memory is bounded by its largest batch, not by its size."""
    forms = [dataclasses.replace(f, records=[], total_records=[]) for f in v.forms]
    return dataclasses.replace(v, forms=forms)


@task(name="parse", cache_policy=NONE)
def parse_task(received: list[Received], data_dir: Path, config: Config) -> list[Verdict]:
    """Parse every new file (pure transforms; a process pool on a big night): verdicts still pending."""
    fresh = [r for r in received if r.status == "new"]
    ex = Execution.from_config(config)
    if fresh and ex.workers > 1 and len(fresh) >= ex.parallel_min_files:
        warm_up()   # import GX while the workers parse: the flow's process would only wait
    outcomes = parse_local(_jobs(fresh, data_dir, config), config.intake, ex)
    if fresh:
        run_logger().info("parsed %d files", len(fresh))
    return _pending(fresh, outcomes)


@task(name="validate", cache_policy=NONE)
def validate_task(pending: list[Verdict], config: Config) -> list[Verdict]:
    """Run the expectations once per form over the whole batch; then every file's verdict."""
    batches = _queued(pending)
    found = validate(batches, float(config.sum_tolerance)) if batches else []
    return _decided(pending, found + _province_review(pending, config))


def _province_review(pending: list[Verdict], config: Config) -> list[tuple[int, Issue]]:
    """CREDIT_CODE_PROVINCE: a credit code registered outside [identity] home_province, 是否跨省 = 否."""
    home = IdentitySettings.from_raw(config.raw.get("identity"), str(config.source)).home_province
    return province_review([v.forms for v in pending], home)


@task(name="parse-and-validate", cache_policy=NONE)
def examine_task(received: list[Received], data_dir: Path, config: Config) -> list[Verdict]:
    """Parse every new file (pure transforms), then run the expectations once per form over the batch."""
    return validate_task.fn(parse_task.fn(received, data_dir, config), config) + _duplicates(received)


# --- the scale-out path: parse and validate on a Dask cluster (config [execution] task_runner = "dask") ---

@task(name="parse-chunk", cache_policy=NONE)
def parse_chunk_task(jobs: list[ParseJob], intake: dict) -> list:
    return examine_chunk(jobs, intake)


@task(name="validate-batch", cache_policy=NONE)
def validate_batch_task(batches: Sealed, sum_tolerance: float) -> list[tuple[int, Issue]]:
    return validate(batches.value, sum_tolerance)



@contextmanager
def task_runner(ex: Execution):
    """The Dask task runner of the run (None: parse and validate here)."""
    if ex.task_runner != "dask":
        yield None
        return
    from prefect_dask import DaskTaskRunner

    runner = (DaskTaskRunner(address=ex.dask_address) if ex.dask_address else
              DaskTaskRunner(cluster_kwargs={"n_workers": ex.workers, "threads_per_worker": 1}))
    with runner:
        yield runner


def dask_parse(runner, fresh: list[Received], data_dir: Path, config: Config, ex: Execution) -> list[Verdict]:
    """parse_task on the cluster: one task run per chunk of files, the bytes sent along (workers need
    no access to the archive). A chunk whose task fails (a worker lost) is parsed here, in processes."""
    jobs = _jobs(fresh, data_dir, config, with_bytes=True)
    parts = list(chunks(jobs, ex.chunk_files))
    futures = [runner.submit(parse_chunk_task, {"jobs": part, "intake": config.intake}) for part in parts]
    outcomes = []
    for part, future in zip(parts, futures):
        try:
            outcomes += future.result()
        except Exception as exc:
            run_logger().warning("parse chunk failed on the cluster (%s): parsing its %d files here", exc, len(part))
            outcomes += parse_local(part, config.intake, Execution(parallel_min_files=1))
    if fresh:
        run_logger().info("parsed %d files on the Dask cluster", len(fresh))
    return _pending(fresh, outcomes)


def dask_validate(runner, pending: list[Verdict], config: Config) -> list[Verdict]:
    batches = _queued(pending)
    if not batches:
        return _decided(pending, _province_review(pending, config))
    future = runner.submit(validate_batch_task, {"batches": Sealed(batches), "sum_tolerance": float(config.sum_tolerance)})
    return _decided(pending, future.result() + _province_review(pending, config))


@task(name="load-warehouse", cache_policy=NONE, **transient_retries())   # warehouse busy: retried with back-off
def load_task(verdicts: list[Verdict], warehouse: Path, run_id: str) -> None:
    """The whole batch in one transaction (load.record_verdicts): all-or-nothing for the batch, hence
    for every file in it; a crash leaves every file either fully loaded or not at all."""
    con = db.connect(warehouse)
    try:
        load.record_verdicts(con, verdicts, run_id)
    finally:
        con.close()
    if verdicts:   # progress of a long night: what this batch added to the warehouse
        c = Counter(v.status for v in verdicts)
        run_logger().info("loaded %d files (%s)", len(verdicts), ", ".join(f"{n} {k}" for k, n in sorted(c.items())))


def prepare_warehouse(warehouse: Path, config: Config) -> None:
    """Schema and registry up to date, leftovers of killed runs removed (the caller holds the run lock).
    A held warehouse is waited for with the config's back-off, each wait logged."""
    db.configure_backoff(config)
    remove_leftovers(warehouse.parent)
    con = db.connect(warehouse)
    try:
        db.init_schema(con)
        db.sync_registry(con, config)
        sync_obligations(con, obligations(config))
    finally:
        con.close()


@flow(name="ingest", log_prints=True)
def ingest_flow(inbox: str | None = None, data_dir: str | None = None, config_path: str | None = None,
                snapshot: bool = True, log_summary: bool = True) -> IngestResult:
    """Pick up every new file in the inbox, validate it and load it into the warehouse.
    snapshot: refresh the analysts' snapshot at the end (the nightly flow does it once, last).
    log_summary: log the verdicts table here (the nightly flow logs it in its own log instead)."""
    config = load_config(config_path)
    inbox_dir = Path(inbox) if inbox else config.inbox
    data = Path(data_dir) if data_dir else config.data_dir
    warehouse = db.warehouse_path(data)
    ex = Execution.from_config(config)
    timings: dict[str, float] = {}

    @contextmanager
    def clock(stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start

    with RunLock(data, wait_seconds=config.run_lock_wait), clock("total"):
        run_id = current_run_id()
        # a standalone ingest records its own run (inside the nightly, the night's run is recorded)
        run = RunRecord(data, run_id, "ingest", str(inbox_dir)) if snapshot else None
        try:
            result = _ingest(run, inbox_dir, data, warehouse, config, ex, clock, timings, snapshot)
        except BaseException as exc:
            if run:
                run_logger().error("ingest failed: %s", run.fail(exc))
            raise
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    log = run_logger()
    for v in result.verdicts:
        if v.status == "rejected":
            log.warning("rejected %s: %s", v.receipt.inbox_path, "; ".join(rule_at(i) for i in v.errors[:5]))
    if log_summary:
        log.info("\n%s", result.summary())
    return result


def _ingest(run, inbox_dir: Path, data: Path, warehouse: Path, config: Config, ex: Execution, clock, timings: dict,
            snapshot: bool) -> IngestResult:
    with clock("prepare"):
        prepare_warehouse(warehouse, config)
    run_id = run.run_id if run else current_run_id()
    if run:
        run.start()
    with clock("scan"):
        found, skips = scan_task(inbox_dir, config)
    if ex.task_runner != "dask" and ex.workers > 1 and len(found) >= ex.parallel_min_files:
        start_fork_server()   # the pools' imports on the other core while this process archives
    with clock("archive"):
        received, unread = archive_task(quote(found), data, warehouse)   # quote: thousands of paths
    skips = skips + unread
    verdicts: list[Verdict] = []
    units_received, office_files = split_office(received, config)   # the office's filled 待核对 copies: flows/office.py
    fresh, documents = split_documents([r for r in units_received if r.status == "new"], config)   # flows/documents.py
    with ExitStack() as stack:
        runner = stack.enter_context(task_runner(ex)) if fresh else None
        # batches bound the memory of a big night; each is parsed, validated and loaded in turn. Here
        # the next batch is parsed (a task run in a thread, its own worker pool) while this one is
        # validated and loaded: at most two batches are held, and neither core waits on the other stage
        batches, ahead = list(chunks(fresh, ex.batch_files)), None
        for i, batch in enumerate(batches):
            with clock("parse"):   # local: the wait for this batch's parse, not its whole time
                if runner:
                    pending = dask_parse(runner, batch, data, config, ex)
                else:
                    pending = ahead.result() if ahead is not None else parse_task(quote(batch), data, config)
                    ahead = parse_task.submit(quote(batches[i + 1]), data, config) if i + 1 < len(batches) else None
            with clock("validate"):
                decided = dask_validate(runner, pending, config) if runner else validate_task(quote(pending), config)
            with clock("load"):
                load_task(quote(decided), warehouse, run_id)
            verdicts += [_released(v) for v in decided]
    with clock("documents"):
        verdicts += documents_task(quote(documents), data, warehouse, run_id, config)
    if office_files:
        with clock("office"):
            decided = office_review_task(quote(office_files), data, warehouse, config)
            load_task(quote(decided), warehouse, run_id)
            verdicts += decided
    with clock("load"):
        duplicates = _duplicates(received)
        if duplicates:
            load_task(quote(duplicates), warehouse, run_id)
        verdicts += duplicates
        con = db.connect(warehouse)
        try:
            load.record_skips(con, run_id, skips, utcnow())
            load.record_raw_names(con, [r.found for r in received], utcnow())
        finally:
            con.close()
    result = IngestResult(run_id, verdicts, sum(r.status == "known" for r in received), skips, {})
    if snapshot:
        with clock("snapshot"):
            run.counts = result.counts()
            row = run.row("completed", finished_at=utcnow())
            refresh_snapshot(data, completed=row)   # the snapshot's copy of this run says completed
            run.finish_with(row)
    return result
