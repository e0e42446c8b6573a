"""A warm start for hand runs: `campaign serve` keeps a process with the pipeline imported, and a
`campaign nightly` (ingest, publish, ...) typed in its data dir runs as a fork of it.

A hand run spends ~3 s of a core importing Prefect, pandas, DuckDB and the flows before its
first step; a rerun with nothing new does ~2 s of work. serve runs all campaign long, so it
keeps a *runner*: a process that imported all of that once (and nothing else: no thread, no
Prefect client), listening on a Unix socket in a private folder, its address recorded in
`<data-dir>/prefect/runner.json` (mode 0600) as the server's is in server.json.

The `campaign` command (this module's client half: stdlib only, nothing heavy imported) sends
its arguments, working folder, environment and its own stdin/stdout/stderr (SCM_RIGHTS) to the
runner, which forks; the fork takes the terminal's descriptors and runs the command exactly as
the `campaign` process would have (cli.main.main), then reports the exit code, which the
command exits with. Ctrl-C and SIGTERM/SIGHUP are passed on to the fork.

The runner refuses (and the command then runs by itself, as without serve) when its code, its
Python or the settings the imports read (PREFECT_*, CAMPAIGN_*, ... in the environment) differ
from the command's, or the command's data dir is not the runner's. `CAMPAIGN_NO_WARM=1` turns
it off for one command. Only the user who runs serve can connect (socket folder mode 0700 and
the peer's uid checked)."""
from __future__ import annotations

import array
import hashlib
import json
import os
import signal
import socket
import struct
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

RECORD = Path("prefect") / "runner.json"
OFF = "CAMPAIGN_NO_WARM"
COMMANDS = {"nightly", "ingest", "intake", "publish", "reprocess", "demo", "status", "query"}
_ROOT = Path(__file__).resolve().parents[1]
_STAGES = ("cli", "flows", "publish", "expectations", "intake", "warehouse", "transforms", "campaign", "support")
# What the imports read from the environment: a command whose values differ runs by itself.
_SETTING_PREFIXES = ("PREFECT_", "CAMPAIGN_", "GX_", "PYTHON")
_SETTING_KEYS = {"DO_NOT_TRACK", "HOME", "TZ", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE"}

ORIGINAL_ENV = dict(os.environ)   # before runtime.configure(): what a runner is started with
IN_RUN = False                    # True in a fork running a command for a client
RUN_DATA_DIR: Path | None = None     # ... for this data dir


class Refused(BaseException):
    """Raised in the fork before the command has done anything: the client runs it by itself.
    A BaseException, so that the command's own error handling lets it through."""


def settings_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_SETTING_PREFIXES) or k in _SETTING_KEYS}


def code_fingerprint() -> str:
    """The pipeline's code and the lock file: a runner started before an update refuses."""
    h = hashlib.sha256(sys.executable.encode())
    files = [_ROOT / "requirements.lock"]
    for stage in _STAGES:
        files += sorted(p for p in (_ROOT / stage).rglob("*") if p.suffix in (".py", ".sql", ".json", ".toml"))
    for path in files:
        try:
            h.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            pass
    return h.hexdigest()


def record_path(data_dir: Path) -> Path:
    return Path(data_dir) / RECORD


# --- the client: the `campaign` command --------------------------------------------------------

def _option(argv: list[str], name: str, shortest: int) -> str | None:
    """The value of `--name X` / `--name=X` or an unambiguous abbreviation of it (argparse's rule)."""
    for i, arg in enumerate(argv):
        flag, _, value = arg.partition("=")
        if len(flag) >= shortest and name.startswith(flag):
            if value or "=" in arg:
                return value
            return argv[i + 1] if i + 1 < len(argv) else None
    return None


def _data_dir(argv: list[str]) -> Path | None:
    data = _option(argv, "--data-dir", len("--data"))
    if data:
        return Path(data).expanduser().resolve()
    try:
        from campaign.config import load_config   # client half: the stdlib only, unless --data-dir is missing

        return load_config(_option(argv, "--config", len("--co"))).data_dir
    except Exception:   # a broken config: the command itself says so, in one line
        return None


def delegate(argv: list[str]) -> int | None:
    """Run `campaign <argv>` in the warm runner of its data dir and return its exit code; None when
    there is no runner (or it refused): the caller then runs the command itself."""
    if os.environ.get(OFF) or not argv or argv[0] not in COMMANDS or {"-h", "--help"} & set(argv):
        return None
    data_dir = _data_dir(argv)
    if data_dir is None:
        return None
    signals = _Signals()
    try:
        return _run_in_runner(argv, data_dir, signals)
    finally:
        signals.restore()   # a Ctrl-C held for a fork that never came is raised here


def _run_in_runner(argv: list[str], data_dir: Path, signals: _Signals) -> int | None:
    try:
        record = json.loads(record_path(data_dir).read_text(encoding="utf-8"))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(record["socket"])
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask(),
                   "data_dir": str(data_dir), "code": code_fingerprint(), "ignored": signals.ignored}
        send(sock, request, fds=[0, 1, 2])
        reader = sock.makefile("rb")
        first = receive(reader)
    except Exception:   # no runner, a stale record, a refused connection: run here
        return None
    if "refused" in first:
        if first.get("tell"):
            print(f"campaign: {first['refused']}; running without it", file=sys.stderr)
        return None
    signals.to(int(first["pid"]))
    sock.settimeout(None)
    while True:
        try:
            message = receive(reader)
        except InterruptedError:
            continue
        except (OSError, EOFError, ValueError):
            print("campaign: the run ended without an exit code (its process in `campaign serve` died; "
                  "see serve's log)", file=sys.stderr)
            return 1
        if "refused" in message:   # before the command did anything (see Refused)
            return None
        if "exit" in message:
            return int(message["exit"])


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Signals:
    """Ctrl-C and termination, passed on to the fork once its pid is known (held until then)."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.held: list[int] = []
        self.saved = {signum: signal.signal(signum, self.forward) for signum in SIGNALS}
        # what this command ignores (started in the background by a script), the fork ignores too
        self.ignored = [int(signum) for signum, handler in self.saved.items() if handler == signal.SIG_IGN]

    def forward(self, signum: int, _frame=None) -> None:
        if self.pid is None:
            self.held.append(signum)
            return
        try:
            os.kill(self.pid, signum)
        except OSError:
            pass

    def to(self, pid: int) -> None:
        self.pid = pid
        for signum in self.held:
            self.forward(signum)

    def restore(self) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
        if self.held and self.pid is None:
            signal.raise_signal(self.held[0])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    data = struct.pack("!I", len(data)) + data
    if fds:
        sent = sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        data = data[sent:]
    if data:
        sock.sendall(data)


def receive(reader) -> dict:
    head = reader.read(4)
    if len(head) < 4:
        raise EOFError("connection closed")
    size = struct.unpack("!I", head)[0]
    body = reader.read(size)
    if len(body) < size:
        raise EOFError("connection closed")
    return json.loads(body)


def check_data_dir(data_dir: Path) -> None:
    """In a fork: the command's data dir is the runner's (else its Prefect settings would be another's)."""
    if IN_RUN and Path(data_dir).resolve() != RUN_DATA_DIR:
        raise Refused(f"data dir {data_dir} is not the runner's {RUN_DATA_DIR}")


@contextmanager
def kept(data_dir: Path, log_to=None, env: dict[str, str] | None = None) -> Iterator[None]:
    """Keep a runner for `data_dir` while the block runs (`campaign serve`, after its server is
    recorded). It imports in the background; the record is written once it listens. Its one line
    per hand run goes to this process's stderr (serve's log), or to the file `log_to`. Its
    environment: this process's as it was given (ORIGINAL_ENV), or `env`."""
    import logging
    import shutil
    import subprocess
    import tempfile
    import threading

    from support.processes import write_private_record   # serve's half: the client never loads it

    log = logging.getLogger("cli.warm")
    folder = Path(tempfile.mkdtemp(prefix="campaign-warm-"))   # mode 0700: only this user reaches the socket
    path, record = folder / "runner.sock", record_path(data_dir)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.warm_runner", str(Path(data_dir).resolve()), str(path), str(os.getpid())],
            env=ORIGINAL_ENV if env is None else env, cwd=_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=log_to, text=True)
    except OSError as exc:
        log.warning("no warm start for hand runs (%s)", exc)
        shutil.rmtree(folder, ignore_errors=True)
        yield
        return

    def announce() -> None:
        if proc.stdout.readline().strip() != "ready":
            log.warning("the warm start for hand runs did not come up (exit code %s)", proc.poll())
            return
        write_private_record(record, {"socket": str(path), "pid": proc.pid})

    watcher = threading.Thread(target=announce, name="warm-runner-ready", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        proc.kill()
        proc.wait(10)
        watcher.join(5)
        try:
            if json.loads(record.read_text(encoding="utf-8")).get("pid") == proc.pid:
                record.unlink()
        except (OSError, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
