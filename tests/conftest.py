"""Shared test set-up: offline defaults, ONE real Prefect API server and a warm GX validator for
the tests that run flows (the paths and helpers tests share are in tests/helpers.py).

Neither is started for a test run that does not need it: `./run test tests/test_parser.py` starts
no server and imports no GX. A module any of whose tests requests `prefect_harness` is a module
that runs flows; each of its tests gets the server and the validator (`_services_of_flow_modules`).

The server's address is fixed before anything imports Prefect (Prefect reads PREFECT_API_URL at
import): the first pytest process (the xdist controller, or the only one with `-n 0`) picks a free
port in pytest_configure and every xdist worker inherits it. The first process whose test needs
the server starts it on that port (a lock file in the run's shared folder: one server a run, not
one per worker) and leaves it running when it exits; the first pytest process stops it at the
end of the run, after every worker has sent its last logs. Each process that needs the validator
keeps its own (a worker may leave before the other). Each worker has its own Prefect home; tests
use tmp_path, never fixed paths or ports."""
from __future__ import annotations

import atexit
import fcntl
import os
import signal
import tempfile
import time
from pathlib import Path
from unittest.mock import patch

import pytest

from cli import prefect_api  # Each process (controller, every xdist worker) gets a throw-away Prefect home of its own.

from support import runtime
if os.environ.get("PYTEST_XDIST_WORKER") or "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="campaign-prefect-home-")
runtime.configure()

SERVER_TIMEOUT = 900      # a loaded 2-core machine can take minutes to boot a Prefect server
RUN_DIR_ENV = "CAMPAIGN_TEST_RUN_DIR"   # the run's shared folder: the server's lock and pid
_server: prefect_api.PrivateServer | None = None   # the server, if this process started it


def pytest_configure(config):
    if hasattr(config, "workerinput"):      # an xdist worker: the controller chose the address
        return
    os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix="campaign-test-run-")
    # wins over any server of the user's shell; nothing answers there until a test needs it
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{prefect_api.free_port()}/api"


def _start_the_runs_server(url: str) -> None:
    """Start the run's server on the address chosen in pytest_configure, unless a process did."""
    global _server
    run_dir = Path(os.environ[RUN_DIR_ENV])
    with open(run_dir / "prefect.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pid_file = run_dir / "prefect.pid"
        if pid_file.exists():
            return
        home = tempfile.mkdtemp(prefix="campaign-test-prefect-server-")   # its database: fresh for every run
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with patch.object(prefect_api, "free_port", return_value=port):   # PrivateServer picks its own port
            _server = prefect_api.PrivateServer(light=True, env={"PREFECT_HOME": home})
        atexit.unregister(_server.stop)   # it outlives this worker; the first process stops it
        pid_file.write_text(str(_server.proc.pid), encoding="utf-8")


@pytest.fixture(scope="session")
def prefect_harness():
    """The run's real Prefect API server (SQLite in a temporary home), once it answers."""
    url = os.environ["PREFECT_API_URL"]
    _start_the_runs_server(url)
    if _server is not None:
        _server.wait(SERVER_TIMEOUT)
    else:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while not prefect_api.answers(url, timeout=2):
            assert time.monotonic() < deadline, f"the test run's Prefect server did not answer on {url}"
            time.sleep(0.2)
    yield url


@pytest.fixture(scope="session")
def warm_validator(tmp_path_factory):
    """A warm GX validator, as `campaign serve` keeps one (expectations.shared), named by
    CAMPAIGN_VALIDATOR to this process and the `campaign` commands its tests start: they validate
    there instead of importing GX in a child of their own (5 s of a core each). The tests of
    serve's own validator unset it (`without_the_runs_validator`)."""
    from expectations import shared

    with shared.kept(tmp_path_factory.mktemp("validator")) as record:
        if record is not None:
            os.environ[shared.ENV] = str(record)
        yield record
        os.environ.pop(shared.ENV, None)


_flow_modules: dict[str, bool] = {}


@pytest.fixture(autouse=True)
def _services_of_flow_modules(request):
    """Every test of a module that runs flows (one of its tests requests prefect_harness) gets the
    server and the validator: its other tests run `campaign` commands too."""
    name = request.node.path.name
    if name not in _flow_modules:
        _flow_modules[name] = any("prefect_harness" in item.fixturenames
                                  for item in request.session.items if item.path.name == name)
    if _flow_modules[name]:
        request.getfixturevalue("prefect_harness")
        request.getfixturevalue("warm_validator")


@pytest.fixture
def without_the_runs_validator(monkeypatch):
    """This test's validations do not go to the test run's warm validator (see warm_validator)."""
    from expectations import shared

    monkeypatch.delenv(shared.ENV, raising=False)


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
    if hasattr(config, "workerinput"):
        return                               # the first process stops the server, once every worker is done
    if _server is not None:                  # started here (`-n 0`)
        _drain_prefect_workers()
        _server.stop()
        return
    pid_file = Path(os.environ.get(RUN_DIR_ENV, "/nonexistent")) / "prefect.pid"
    if pid_file.exists():                    # started by a worker, which has exited
        _stop(int(pid_file.read_text(encoding="utf-8")))


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.kill(pid, 0)                  # raises once it is gone (init reaps an orphan)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


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
