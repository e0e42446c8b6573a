"""The documents stage of the ingest (and reprocess) flow: read, classify, date and record the
documents a night brought (实施方案, 工作动态信息, 总结报告; transforms/documents.py).

Each document is read in a worker process with a time limit (config [documents] read_seconds):
a hostile PDF that would make the reader spin is stopped, recorded as unreadable with its
reason, and the night goes on. Nothing here is rejected for its format."""
from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE

from campaign.config import Config
from campaign.obligations import document_settings
from flows.retries import transient_retries
from support.run_context import run_logger
from intake.documents import is_document, read_archived
from transforms.documents import DocumentRead, classify, read_document
from transforms.issues import error
from transforms.submission import Verdict, decide
from warehouse import db, load
from warehouse import documents as wdocs

log = logging.getLogger("campaign.ingest")


def split_documents(received: list, config: Config) -> tuple[list, list]:
    """(workbooks, documents) among received files of registry units; a file in a folder that is no
    registry unit stays with the workbooks (its verdict is UNKNOWN_UNIT)."""
    exts = document_settings(config)["extensions"]
    books, docs = [], []
    for r in received:
        known_unit = config.unit_kind(r.receipt.unit) is not None
        (docs if known_unit and is_document(r.receipt.file_name, exts) else books).append(r)
    return books, docs


def _pool() -> ProcessPoolExecutor:
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["intake.documents", "transforms.documents"])
    except ValueError:
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=ctx)


def _stop(pool: ProcessPoolExecutor) -> None:
    for proc in list(getattr(pool, "_processes", {}).values()):   # a reader that does not return
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _timed_out(file_name: str, seconds: float) -> DocumentRead:
    kind, sure, _ = classify(file_name, None)
    stem = file_name.rsplit(".", 1)[0]
    return DocumentRead("?", "unreadable", kind, sure, title=stem, reason=f"读取超过 {seconds:g} 秒仍未完成（文件异常）",
                        issues=[error("DOCUMENT_UNREADABLE", f"材料“{file_name}”无法读取：读取超过 {seconds:g} 秒仍未完成，"
                                      "文件可能已损坏。本材料暂不计入报送要求，请重新保存后再报送。"
                                      " Reading the document timed out.", value=f"{seconds:g}s")])


def read_all(items: list[tuple[str, str]], limits: dict, seconds: float) -> list[DocumentRead]:
    """Read each (archive path, file name) in a worker process, at most `seconds` each."""
    out: list[DocumentRead] = []
    pool = None
    try:
        for path, name in items:
            if pool is None:
                pool = _pool()
            try:
                out.append(pool.submit(read_archived, path, name, limits).result(timeout=seconds))
                continue
            except FutureTimeout:
                log.warning("reading %s took longer than %g s: stopped, recorded as unreadable", name, seconds)
                out.append(_timed_out(name, seconds))
            except (BrokenProcessPool, OSError) as exc:   # the reader crashed, or no pool here: read it in-process
                log.warning("document reader process failed on %s (%s): reading it here", name, exc)
                try:
                    out.append(read_document(Path(path).read_bytes(), name, limits))
                except OSError as err:
                    out.append(DocumentRead("?", "unreadable", "其他", False, title=name, reason=type(err).__name__,
                                            issues=[error("DOCUMENT_UNREADABLE",
                                                          f"材料“{name}”无法读取（{type(err).__name__}）。")]))
            _stop(pool)
            pool = None
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return out


@task(name="documents", cache_policy=NONE, **transient_retries())   # warehouse busy: retried with back-off
def documents_task(docs: list, data_dir: Path, warehouse: Path, run_id: str, config: Config) -> list[Verdict]:
    """Read the new documents, record what they say (document_files) and their verdicts (received_files,
    issues): accepted, or rejected when unreadable (a broken or hostile file, with its reason)."""
    if not docs:
        return []
    settings = document_settings(config)
    reads = read_all([(str(Path(data_dir) / r.receipt.archive_path), r.receipt.file_name) for r in docs],
                     settings["limits"], settings["read_seconds"])
    rows = [(r.receipt.unit, r.receipt.sha256, d.format, d.status, d.kind, d.sure, d.title, d.doc_date, d.pages,
             d.characters, d.reason) for r, d in zip(docs, reads)]
    verdicts = [decide(r.receipt, [], list(d.issues)) for r, d in zip(docs, reads)]
    con = db.connect(warehouse)
    try:
        wdocs.record_documents(con, rows)
        load.record_verdicts(con, verdicts, run_id)
    finally:
        con.close()
    logger = run_logger()
    for r, d in zip(docs, reads):
        logger.info("document %s: %s%s, %s", r.receipt.inbox_path, d.kind, "" if d.sure else " (unsure)",
                    d.status if d.status != "unreadable" else f"unreadable: {d.reason}")
    return verdicts

