"""Process-wide defaults, applied before Prefect or Great Expectations is imported.

Government networks have no internet: telemetry and analytics are off. The ephemeral Prefect
API server gets a generous start-up timeout (the 20 s default expires on a loaded 2-core
machine). Prefect's home lives inside the data directory unless the user has set one.
Every value is a default: an explicitly set environment variable wins."""
from __future__ import annotations

import os
from pathlib import Path

OFFLINE_DEFAULTS = {
    "DO_NOT_TRACK": "1",                                        # Prefect SDK telemetry
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",                # Prefect server analytics
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LOG_PRINTS": "true",
    "PREFECT_UI_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",                            # Great Expectations usage statistics
}


def configure(data_dir: Path | None = None) -> None:
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if data_dir is not None and "PREFECT_HOME" not in os.environ:
        home = Path(data_dir).resolve() / "prefect"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
