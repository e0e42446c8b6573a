"""What the flows and the warehouse ask of the run they are in: its logger and its id (Prefect's when there is a run,
else a plain logger and a fresh id: the same functions are called as plain functions in scripts and
tests)."""
from __future__ import annotations

import logging
import uuid


def run_logger(fallback: str = "campaign.ingest"):
    """The Prefect run logger, or the `fallback` logger outside a run."""
    try:
        from prefect import get_run_logger   # Prefect is imported by the flows; not by whoever imports support

        return get_run_logger()
    except Exception:  # called outside a run (plain function call in a script)
        return logging.getLogger(fallback)


def current_run_id() -> str:
    """The flow run's id, or a fresh one outside a run."""
    try:
        from prefect.runtime import flow_run
        return str(flow_run.id) if flow_run.id else uuid.uuid4().hex
    except Exception:
        return uuid.uuid4().hex
