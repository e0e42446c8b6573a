"""The warm start's runner (`python -m cli.warm_runner`, kept by `campaign serve` through
cli.warm.kept): a process that imported the pipeline once and forks one process per `campaign`
command a client (cli.warm.delegate) sends it."""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import struct
import sys
from pathlib import Path

from cli import prefect_api, warm
from cli.exits import exit_now
from support import runtime


def runner_main(data_dir: Path, socket_path: Path, parent_pid: int) -> None:
    """Import what a hand run imports, then fork one process per command; never returns."""
    runtime.configure(data_dir)            # as the `campaign` command does for a flow command
    if not os.environ.get("PREFECT_API_URL"):
        url = prefect_api.recorded(data_dir)
        if not url:
            raise SystemExit("campaign warm runner: no Prefect server recorded for this data dir")
        os.environ["PREFECT_API_URL"] = url
    import cli.main  # noqa: F401  (and through it what every command imports)
    import fastapi.encoders  # noqa: F401  (Prefect imports it at the first flow call)
    import flows.consolidate  # noqa: F401
    import flows.ingest  # noqa: F401
    import flows.nightly  # noqa: F401
    import flows.publish  # noqa: F401
    import flows.reprocess  # noqa: F401
    import warehouse.status  # noqa: F401

    code = warm.code_fingerprint()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(16)
    listener.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent_pid:      # serve gone (even killed): so is its runner
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            _reap()
            continue
        if _peer_uid(conn) != os.getuid():
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:                 # the child forks the run and exits: the run is nobody's zombie
            try:
                listener.close()
                if os.fork() == 0:
                    _serve_one(conn, Path(data_dir), code)
            finally:
                os._exit(0)
        conn.close()
        _reap()
    os._exit(0)


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _serve_one(conn: socket.socket, data_dir: Path, code: str) -> None:
    """In the fork: take the client's terminal, check, run the command, report its exit code."""
    os.setsid()                            # Ctrl-C in serve's terminal is not this run's
    try:
        request, fds = _request(conn)
        reason, tell = _refusal(request, data_dir, code)
        if not reason:
            os.chdir(request["cwd"])
    except (OSError, ValueError, KeyError, EOFError) as exc:   # e.g. the command's folder is gone: it says so itself
        reason, tell = f"could not take the command ({exc})", False
    if reason:
        try:
            warm.send(conn, {"refused": reason, "tell": tell})
        except OSError:
            pass
        os._exit(0)
    print(f"campaign serve: hand run `campaign {shlex.join(request['argv'])}` started warm (pid {os.getpid()})",
          file=sys.stderr, flush=True)   # in serve's log
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdout.reconfigure(line_buffering=sys.stdout.isatty())
    warm.IN_RUN, warm.RUN_DATA_DIR = True, data_dir   # cli.warm.check_data_dir reads them
    signal.pthread_sigmask(signal.SIG_BLOCK, warm.SIGNALS)   # a Ctrl-C from now on reaches the command itself
    _command_signals(request.get("ignored", []))
    warm.send(conn, {"pid": os.getpid()})
    result = 1
    try:
        _terminal_logging()
        from cli.main import main   # loaded by runner_main after runtime.configure

        signal.pthread_sigmask(signal.SIG_UNBLOCK, warm.SIGNALS)
        result = main(request["argv"], gx_child=True)
    except SystemExit as exc:              # argparse's one-line errors
        result = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except warm.Refused as exc:
        warm.send(conn, {"refused": str(exc)})
        os._exit(0)
    except KeyboardInterrupt:              # Ctrl-C before the command's own handling began
        print(f"campaign {request['argv'][0]}: interrupted", file=sys.stderr)
        result = 130
    except BaseException as exc:           # a bug of the warm start itself: the client hears of it
        print(f"campaign {request['argv'][0]}: internal error in the warm start: {type(exc).__name__}: {exc}",
              file=sys.stderr)

    def report() -> None:
        try:
            warm.send(conn, {"exit": result})
        except OSError:   # the command was killed meanwhile: nobody to tell
            pass

    exit_now(result, before_exit=report)


def _command_signals(ignored: list[int]) -> None:
    """The signal dispositions of the command, not of the runner: serve started by a script in the
    background ignores SIGINT, and so would its runner and every fork, Ctrl-C or not."""
    for signum in warm.SIGNALS:
        if signum in ignored:
            signal.signal(signum, signal.SIG_IGN)
        else:
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)


def _request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The command's request and its stdin/stdout/stderr."""
    conn.settimeout(30)
    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    while len(message) < 4:
        message += conn.recv(4 - len(message)) or _gone()
    size = struct.unpack("!I", message[:4])[0]
    rest = message[4:]
    while len(rest) < size:
        rest += conn.recv(size - len(rest)) or _gone()
    conn.settimeout(None)
    if len(fds) != 3:
        raise ValueError(f"{len(fds)} descriptors instead of 3")
    return json.loads(rest), fds


def _gone() -> bytes:
    os._exit(0)   # the client left before it sent its request


def _refusal(request: dict, data_dir: Path, code: str) -> tuple[str | None, bool]:
    if request.get("code") != code:   # the command hashed the code on disk now; `code` is the runner's at start
        return "`campaign serve` runs older code (restart it to use its warm start)", True
    if Path(request.get("data_dir", "")) != data_dir:
        return f"data dir {request.get('data_dir')} is not the runner's {data_dir}", False
    theirs, mine = warm.settings_env(request["env"]), warm.settings_env(warm.ORIGINAL_ENV)
    differ = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
    if differ:
        return f"the environment's {', '.join(differ)} differ from serve's", False
    return None, False


def _terminal_logging() -> None:
    """Prefect's console handler was made for the runner's stderr (no terminal, no colours): make it
    again for the client's."""
    from prefect.logging.configuration import setup_logging

    setup_logging(incremental=False)


if __name__ == "__main__":
    runner_main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
