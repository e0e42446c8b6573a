"""Great Expectations kept warm in a child process, for a run started at the keyboard.

Importing GX and creating its context costs 2.5–5 s of one core (by the machine): a third of a
hand run with a server. The CLI starts this child (`started()`) as soon as a command that
validates has checked its arguments; the child imports GX on the machine's other core while the
run imports Prefect, archives and parses, and `runner.validate` then sends the night's batches
there. The child runs the same code (`runner.validate_here`) on the same suites, so its verdicts
are the ones this process would reach; when it has died or failed, the batch is validated in
this process instead (a warning says so). A thread would not do: GX's import holds the GIL the
run needs.

The CLI starts no child for a night whose inbox holds nothing new (cli.inbox_news); a run
that turns out to have nothing to validate just kills its child at the end.
No Prefect, pandas or GX import at module level: the child imports this module first.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from expectations import child, shared
from support.processes import main_not_reimported

log = logging.getLogger("campaign.validate")
_running: "Validator | None" = None


class Validator:
    """The parent's handle on the child: send batches, receive (submission, Issue) pairs."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")   # no fork: Prefect's threads hold locks
        self._conn, child_end = ctx.Pipe()
        self._process = ctx.Process(target=child.serve, args=(child_end, os.getpid()), name="gx-validator", daemon=True)
        with main_not_reimported():
            self._process.start()
        child_end.close()

    def validate(self, batches: dict, sum_tolerance: float) -> list | None:
        """The child's findings, or None when it cannot answer (dead, or it failed on this batch)."""
        try:
            self._conn.send((batches, sum_tolerance))
            while not self._conn.poll(0.5):
                if not self._process.is_alive():
                    raise EOFError(f"exit code {self._process.exitcode}")
            status, payload = self._conn.recv()
        except (OSError, EOFError) as exc:
            log.warning("the validation process is gone (%s); validating in this process", exc or type(exc).__name__)
            self.stop()
            return None
        if status != "ok":
            log.warning("the validation process failed (%s); validating in this process", payload)
            return None
        return payload

    def stop(self) -> None:
        global _running
        if _running is self:
            _running = None
        if self._process.is_alive():
            self._process.kill()   # it holds nothing but GX and a copy of the batch
        self._process.join(5)
        self._conn.close()


def running() -> Validator | None:
    """The child of this process, if one was started."""
    return _running


@contextmanager
def started(data_dir: Path | None = None) -> Iterator[Validator | None]:
    """Start the child for the duration of a command (None where it cannot start). With the data
    dir of a `campaign serve` that keeps a warm validator running this code, use that instead
    (expectations.shared)."""
    global _running
    if data_dir is not None:
        remote = shared.connect(data_dir)
        if remote is not None:
            log.info("validating in the warm validator of `campaign serve` (%s)", shared.record_path(data_dir))
            _running = remote
            try:
                yield remote
            finally:
                _running = None
                remote.stop()
            return
    try:
        validator = Validator()
    except Exception as exc:   # no child here (sandbox, resource limits): the run validates in-process
        log.warning("could not start the validation process (%s); validating in this process", exc)
        yield None
        return
    _running = validator
    try:
        yield validator
    finally:
        validator.stop()
