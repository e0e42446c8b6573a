"""Shared test set-up: offline defaults, ONE real Prefect API server for the whole test run,
fixture paths.

The server is started once, by the pytest process that runs first (the xdist controller, or the
only process with `-n 0`), in the background while the tests are collected; every xdist worker
inherits its address in PREFECT_API_URL (set before any of them imports Prefect) and waits for it
in the `prefect_harness` fixture. So a run starts one server, not one per worker, and no test
pays for a start-up of its own. Each worker has its own Prefect home; tests use tmp_path, never
fixed paths or ports."""
from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from cli import prefect_api  # Each process (controller, every xdist worker) gets a throw-away Prefect home of its own.

from support import runtime
if os.environ.get("PYTEST_XDIST_WORKER") or "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="campaign-prefect-home-")
runtime.configure()

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
SERVER_TIMEOUT = 900      # a loaded 2-core machine can take minutes to boot a Prefect server
_server: prefect_api.PrivateServer | None = None
_session = ExitStack()    # what the run keeps until it ends (the warm validator)


def pytest_configure(config):
    global _server
    if hasattr(config, "workerinput"):      # an xdist worker: the controller started the server
        return
    home = tempfile.mkdtemp(prefix="campaign-test-prefect-server-")   # its database: fresh for every run
    _server = prefect_api.PrivateServer(light=True, env={"PREFECT_HOME": home})
    os.environ["PREFECT_API_URL"] = _server.api_url   # wins over any server of the user's shell
    _keep_a_validator()


def _keep_a_validator() -> None:
    """One warm GX validator for the whole run, as `campaign serve` keeps one (expectations.shared),
    named by CAMPAIGN_VALIDATOR to every process: the `campaign` commands the tests start validate
    there instead of importing GX in a child of their own (5 s of a core each). The tests of
    serve's own validator unset it (`without_the_runs_validator`)."""
    from expectations import shared

    record = _session.enter_context(shared.kept(Path(tempfile.mkdtemp(prefix="campaign-test-validator-"))))
    if record is not None:
        os.environ[shared.ENV] = str(record)


# `--dist loadfile --no-loadscope-reorder` (pyproject): each file runs whole on one worker, handed
# out in collection order. A file of many nights picked up last keeps one core busy while the
# other idles, so the longest files (≈ 20-60 s each, `--durations`) go first, longest first.
LONG_FILES = ("test_reliability_flow.py", "test_serve.py", "test_history.py", "test_night_runlog.py",
              "test_night_faults.py", "test_scale_out.py", "test_operations.py", "test_warm.py",
              "test_publish_skip.py", "test_publish_crash.py", "test_documents.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: the rest keep their order


def pytest_unconfigure(config):
    _session.close()
    if _server is not None:
        _drain_prefect_workers()
        _server.stop()


@pytest.fixture
def without_the_runs_validator(monkeypatch):
    """This test's validations do not go to the test run's warm validator (see _keep_a_validator)."""
    from expectations import shared

    monkeypatch.delenv(shared.ENV, raising=False)


def _drain_prefect_workers() -> None:
    """Send this process's queued Prefect logs and events while the server still answers: left for
    exit, they would retry against a stopped server for a minute (`-n 0` runs)."""
    import sys

    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for service in (APILogWorker, EventsWorker):
        service.drain_all(timeout=10)


@pytest.fixture(scope="session")
def prefect_harness():
    """The run's real Prefect API server (SQLite in a temporary home), once it answers."""
    url = os.environ["PREFECT_API_URL"]
    if _server is not None:
        _server.wait(SERVER_TIMEOUT)
    else:
        import time

        deadline = time.monotonic() + SERVER_TIMEOUT
        while not prefect_api.answers(url, timeout=2):
            assert time.monotonic() < deadline, f"the test run's Prefect server did not answer on {url}"
            time.sleep(0.2)
    yield url


@pytest.fixture(scope="session", autouse=True)
def quiet_flows():
    """The tests' in-process flows run as hand runs do (cli.prefect_api.hand_run_settings): no
    heartbeat thread, whose stop held every flow call up to 1 s (≈ 100 flow calls in the suite).
    Nor do they send their log lines to the server, which would spend the suite's CPU storing them:
    the test that reads a night's log in the server turns it on (`logs_in_the_server`).

    Prefect's logging is set up here, once, when `prefect.main` is imported: its console handler
    keeps the stderr of that moment. Imported first inside a test using `capsys`, it would keep
    that test's capture stream, closed once the test ends, and every later log line of the
    process would fail (RecursionError in the handler's error path)."""
    import prefect.main  # noqa: F401
    from prefect.settings import PREFECT_LOGGING_TO_API_ENABLED, temporary_settings

    from cli.prefect_api import hand_run_settings

    with hand_run_settings(), temporary_settings(updates={PREFECT_LOGGING_TO_API_ENABLED: False}):
        yield


@pytest.fixture
def logs_in_the_server():
    """Flows of this test send their log lines to the server, as they do outside the tests."""
    from prefect.settings import PREFECT_LOGGING_TO_API_ENABLED, temporary_settings

    with temporary_settings(updates={PREFECT_LOGGING_TO_API_ENABLED: True}):
        yield


@pytest.fixture(scope="session")
def config():
    from campaign.config import load_config

    return load_config()
