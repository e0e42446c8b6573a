"""Validate a night's batches where GX is already warm: in the run's GX child or the warm validator of
`campaign serve` when there is one (expectations.background), else in this process (runner)."""
from __future__ import annotations

import threading

from expectations import background, runner
from expectations.runner import FormRows
from transforms.issues import Issue


def validate(batches: dict[str, list[FormRows]], sum_tolerance: float) -> list[tuple[int, Issue]]:
    """Validate every queued form's rows; return (submission, issue) for every failed row.

    In the GX child process of a hand run when there is one (expectations.background), else here."""
    child = background.running()
    found = child.validate(batches, sum_tolerance) if child is not None else None
    return found if found is not None else runner.validate_here(batches, sum_tolerance)


def warm_up() -> threading.Thread | None:
    """prepare() in a background thread, e.g. while worker processes parse the files (nothing to do
    when a GX child process validates for this one)."""
    if background.running() is not None:
        return None
    thread = threading.Thread(target=runner.prepare, name="gx-warm-up", daemon=True)
    thread.start()
    return thread
