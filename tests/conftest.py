"""Shared test set-up: offline defaults, one real Prefect test server per session, fixture paths."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from campaign import runtime

# Offline defaults and a throw-away Prefect home before anything imports Prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="campaign-prefect-home-"))
runtime.configure()

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def prefect_harness():
    """A real, temporary Prefect API server (SQLite) for the flows run by the tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):
        yield


@pytest.fixture(scope="session")
def config():
    from campaign.config import load_config

    return load_config()
