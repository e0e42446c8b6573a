"""Which Prefect API a hand run talks to, and starting as little as possible when there is none.

1. `PREFECT_API_URL` if the user set it;
2. else the server `campaign serve` runs for this data dir, if it answers: serve records its
   address in `<data-dir>/prefect/server.json` (the hand run then also appears in that UI);
3. else a private server for this one run, started at once in the background, so that it boots
   while the CLI imports the pipeline (Prefect would start its own only at the first flow call,
   and the run would wait for both one after the other). It runs the ephemeral set of services
   and skips block registration (a hand run uses no blocks): less to start. Its database is
   Prefect's home in the data dir, so the run history is kept. It stops when the process exits.

Everything here runs before Prefect is imported: Prefect reads its settings from the
environment at import time."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

from campaign.errors import InputError

RECORD = "server.json"


def record_path(data_dir: Path) -> Path:
    return Path(data_dir) / "prefect" / RECORD


def answers(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def record(data_dir: Path, api_url: str) -> Path:
    path = record_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    tmp.replace(path)
    return path


def forget(data_dir: Path, api_url: str) -> None:
    """Remove the record if it still names this server (another serve may have replaced it)."""
    if recorded(data_dir, check=False) == api_url:
        record_path(data_dir).unlink(missing_ok=True)


def recorded(data_dir: Path, check: bool = True) -> str | None:
    """The recorded server's API URL, if there is one (and, with check, it answers)."""
    try:
        url = json.loads(record_path(data_dir).read_text(encoding="utf-8"))["api_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if not check or answers(url) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int) -> list[str]:
    """What Prefect's own temporary server runs (prefect.server.api.server.SubprocessASGIServer)."""
    import importlib.util

    prefect_dir = Path(importlib.util.find_spec("prefect").origin).parent
    return [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]


def template_path() -> Path:
    """An empty Prefect database at the head of this Prefect's migrations, kept beside the venv."""
    from importlib.metadata import version

    return Path(sys.prefix) / "share" / "campaign" / f"prefect-{version('prefect')}.db"


def _database(env: dict[str, str]) -> Path | None:
    """The SQLite file a server with this environment uses by default (None: the user chose one)."""
    if env.get("PREFECT_API_DATABASE_CONNECTION_URL") or not env.get("PREFECT_HOME"):
        return None
    return Path(env["PREFECT_HOME"]) / "prefect.db"


def seed_database(env: dict[str, str]) -> Path | None:
    """Before a server starts with `env`: a new Prefect home gets a copy of the template. Returns
    the database to keep as the template once the server answers (keep_template), when there
    was no template to copy."""
    database = _database(env)
    if database is None or database.exists():
        return None
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template_path(), database)
        return None
    except OSError:   # no template yet: this server migrates, and its database becomes the template
        return database


def keep_template(database: Path) -> None:
    """A copy of a database Prefect has just migrated, before anything is stored in it (SQLite's
    backup: consistent while the server has it open)."""
    import sqlite3

    target = template_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
        os.replace(partial, target)
    except (OSError, sqlite3.Error):   # a read-only venv: new data dirs migrate, as without it
        pass


class PrivateServer:
    """A Prefect API server subprocess for this process only.

    A new Prefect home starts from the template database (template_path): a server on an empty
    one spends ~10 s of a 2-core machine on Prefect's ~200 migrations before it answers. The
    first server to migrate one keeps it as the template."""

    def __init__(self, light: bool = True, env: dict[str, str] | None = None):
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | (env or {})
        env["PREFECT_UI_ENABLED"] = "false"
        if light:   # the services of Prefect's temporary server, no block registration
            env.update(PREFECT__SERVER_EPHEMERAL="1", PREFECT_API_BLOCKS_REGISTER_ON_START="false",
                       PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION="false")
        self.new_database = seed_database(env)
        self.proc = subprocess.Popen(server_command(self.port), env=env, stdin=subprocess.DEVNULL)
        atexit.register(self.stop)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not answers(self.api_url, timeout=2):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Prefect API server exited at start (code {self.proc.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect API server did not answer on {self.api_url} in {timeout:.0f} s")
            time.sleep(0.1)
        if self.new_database is not None:   # migrated, nothing stored yet
            keep_template(self.new_database)
            self.new_database = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Api:
    """The API chosen for a hand run; `ready()` before the first flow call."""

    def __init__(self, url: str, source: str, server: PrivateServer | None = None):
        self.url, self.source, self.server = url, source, server

    def ready(self) -> None:
        if self.server is not None:
            self.server.wait(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")))


def check_user_api(tries: int = 2) -> None:
    """A PREFECT_API_URL the user set must answer, or the run would fail at its first flow call
    with Prefect's traceback (a mistyped port, a server not started): one line, nothing written."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return
    for attempt in range(tries):
        if answers(url, timeout=5):
            return
        if attempt + 1 < tries:
            time.sleep(0.5)
    raise InputError(f"PREFECT_API_URL {url}: no Prefect API answers there; start that server, or unset "
                     f"PREFECT_API_URL (a hand run then uses `campaign serve`'s server or starts its own)")


def attach(data_dir: Path) -> Api:
    """Choose the API (see the module's doc) and put it in PREFECT_API_URL for this process."""
    if os.environ.get("PREFECT_API_URL"):
        return Api(os.environ["PREFECT_API_URL"], "PREFECT_API_URL")
    if "prefect.settings" in sys.modules:   # called in a process that has set Prefect's settings itself
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            return Api(PREFECT_API_URL.value(), "Prefect's settings")
    url = recorded(data_dir)
    if url:
        os.environ["PREFECT_API_URL"] = url
        return Api(url, f"the server of `campaign serve` ({record_path(data_dir)})")
    server = PrivateServer()
    os.environ["PREFECT_API_URL"] = server.api_url
    return Api(server.api_url, "a private server for this run", server)


@contextmanager
def hand_run_settings():
    """Prefect settings of a run started at the keyboard: no flow-run heartbeat. Someone is watching
    the run, and Prefect's heartbeat thread sleeps in 1 s steps, so stopping it held every hand run up
    to 1 s at its end. The nightly deployment (`campaign serve`) keeps its heartbeat."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def prime_template() -> None:
    """Make the template database now (the set-up of `./run` does), not in the first hand run."""
    import tempfile

    if template_path().exists():
        return
    home = tempfile.mkdtemp(prefix="campaign-prefect-template-")
    try:
        server = PrivateServer(env={"PREFECT_HOME": home})
        try:
            server.wait(600)
        finally:
            server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":   # python -m cli.prefect_api: the template database, once
    from support import runtime
    runtime.configure()
    os.environ.pop("PREFECT_API_URL", None)
    prime_template()
