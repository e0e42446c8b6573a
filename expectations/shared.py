"""One warm Great Expectations validator for every hand run of a data dir: `campaign serve` keeps it.

A hand run's own GX child (expectations.background) still has to import GX (2.5–5 s of a core)
while the run parses. `campaign serve` runs all campaign long, so it keeps a validator process
whose GX is already imported, listening on 127.0.0.1 (multiprocessing.connection: an HMAC
handshake with a random key, then pickled batches), its address and key recorded in
`<data-dir>/prefect/validator.json` (mode 0600) as the server's address is in server.json.
`CAMPAIGN_VALIDATOR` (the path of such a record) wins, as PREFECT_API_URL does.

A caller sends the fingerprint of the code and suites a verdict depends on first; a validator
started from other code (serve was not restarted after an update) refuses, and the run uses its
own child. Any failure to connect or to answer means the same: the run validates by itself.
No Prefect, pandas or GX import at module level: the validator process imports this module first.
"""
from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import secrets
import threading
from contextlib import contextmanager
from importlib.metadata import version
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import Iterator

from expectations.child import answer, prepared, validator_process
from support.processes import main_not_reimported, write_private_record

ENV = "CAMPAIGN_VALIDATOR"
RECORD = Path("prefect") / "validator.json"
log = logging.getLogger("campaign.validate")
_ROOT = Path(__file__).resolve().parents[1]


def fingerprint() -> str:
    """What a verdict depends on: the suites, the code that turns rows into issues, GX's version."""
    h = hashlib.sha256(version("great_expectations").encode())
    files = sorted((_ROOT / "expectations").rglob("*.json")) + sorted((_ROOT / "expectations").glob("*.py"))
    files += sorted((_ROOT / "transforms").glob("*.py")) + [_ROOT / "campaign" / "forms.py"]
    for path in files:
        h.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def record_path(data_dir: Path) -> Path:
    return Path(os.environ[ENV]) if os.environ.get(ENV) else Path(data_dir) / RECORD


class Remote:
    """A hand run's connection to the shared validator; the same validate() as a child's."""

    def __init__(self, conn) -> None:
        self._conn, self._gone = conn, False

    def validate(self, batches: dict, sum_tolerance: float) -> list | None:
        if self._gone:
            return None
        try:
            self._conn.send(("validate", batches, sum_tolerance))
            status, payload = self._conn.recv()
        except (OSError, EOFError) as exc:
            log.warning("the shared validation process is gone (%s); validating in this process", exc or type(exc).__name__)
            self._gone = True
            return None
        if status != "ok":
            log.warning("the shared validation process failed (%s); validating in this process", payload)
            return None
        return payload

    def stop(self) -> None:
        self._conn.close()


def connect(data_dir: Path) -> Remote | None:
    """The recorded validator, if it answers and runs this code; else None (quietly: the run
    then starts its own child)."""
    try:
        record = json.loads(record_path(data_dir).read_text(encoding="utf-8"))
        conn = Client((record["host"], int(record["port"])), authkey=bytes.fromhex(record["key"]))
    except Exception:   # no record, a stale one, a refused connection or handshake
        return None
    try:
        conn.send(("hello", fingerprint()))
        if conn.poll(10) and conn.recv() == ("ok", None):
            return Remote(conn)
        log.info("the shared validation process runs other code (restart `campaign serve`); using this run's own")
    except Exception:
        pass
    conn.close()
    return None


@contextmanager
def kept(data_dir: Path) -> Iterator[Path | None]:
    """Run the shared validator for as long as the block runs (`campaign serve`); yields its record."""
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe()
    key = secrets.token_bytes(32)
    process = ctx.Process(target=_serve, args=(child_end, os.getpid(), key), name="gx-shared-validator", daemon=True)
    record = record_path(data_dir)
    try:
        with main_not_reimported():
            process.start()
        child_end.close()
        if not parent_end.poll(60):
            raise TimeoutError("no address within 60 s")
        host, port = parent_end.recv()
        write_private_record(record, {"host": host, "port": port, "key": key.hex(), "pid": process.pid})
    except Exception as exc:   # hand runs then use their own child, as without serve
        log.warning("could not start the shared validation process (%s)", exc)
        if process.is_alive():
            process.kill()
        parent_end.close()
        yield None
        return
    try:
        yield record
    finally:
        record.unlink(missing_ok=True)
        process.kill()
        process.join(5)
        parent_end.close()


def _serve(conn, parent_pid: int, key: bytes) -> None:
    """The shared validator: listen, import GX, then answer each caller in a thread of its own
    (one batch validated at a time: GX's context is not shared between threads)."""

    validator_process(parent_pid)
    listener = Listener(("127.0.0.1", 0), authkey=key)
    conn.send(listener.address)
    conn.close()
    ready, one_at_a_time, mine = threading.Event(), threading.Lock(), fingerprint()

    def serve_caller(client) -> None:
        try:
            kind, theirs = client.recv()
            if kind != "hello" or theirs != mine:
                client.send(("other code", None))
                return
            client.send(("ok", None))
            while True:
                kind, batches, sum_tolerance = client.recv()
                ready.wait()
                with one_at_a_time:
                    reply = answer(batches, sum_tolerance)
                client.send(reply)
        except Exception:
            pass   # the hand run is done (or sent something that is not a batch)
        finally:
            client.close()

    def accept() -> None:
        while True:
            try:
                client = listener.accept()
            except Exception:   # a failed handshake (wrong key): not a caller of ours
                continue
            threading.Thread(target=serve_caller, args=(client,), daemon=True).start()

    threading.Thread(target=accept, name="accept", daemon=True).start()
    prepared()
    ready.set()
    threading.Event().wait()   # until the parent kills this process
