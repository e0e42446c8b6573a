"""Hand runs at the keyboard: `campaign nightly` over the city's fixture inbox, whole process.

    python -m bench.hand_run [--inbox ../shared/fixtures/inbox] [--repeat 1]

Each figure is the wall time of a fresh `campaign nightly` process (imports, Prefect, GX, the
work, exit), as ops staff see it:
  * cold:          a new data dir, no Prefect server anywhere (the CLI starts a private one);
  * rerun, cold:   the same data dir again, nothing new, still no server;
  * server:        a new data dir whose `prefect/server.json` names a running server,
                   `prefect/validator.json` a warm validator and `prefect/runner.json` a warm
                   start, as `campaign serve` records them (the run is a fork of the warm start:
                   no server start-up, no imports, no GX import);
  * rerun, server: the same again, nothing new.
Targets (issue 15, 2-core machine): <= 25 s cold, <= 8 s with a server, <= 4 s rerun.
The header also gives this machine's speed at the moment: a fresh process importing Prefect and
one importing Great Expectations (best of three), which alone are most of a hand run; the figures
of two days compare only beside these (a shared machine's speed varies by half).
Results: a markdown table on stdout and in bench/HAND_RUN.md."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CAMPAIGN = [sys.executable, "-m", "cli"]   # the `campaign` command
SETTLE = 10   # s after serve's parts are up: ops type a hand run long after serve started, not during its start-up


def hand_run(inbox: Path, data: Path, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(CAMPAIGN + ["nightly", "--inbox", str(inbox), "--data-dir", str(data)], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"hand run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout.strip().splitlines()[-1]


def import_seconds(module: str) -> float:
    """Best of three fresh processes importing `module`: the machine's speed in the unit that matters."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=REPO)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inbox", default=str(REPO.parent / "shared" / "fixtures" / "inbox"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    from cli import prefect_api, warm
    from support import runtime
    from expectations import shared

    runtime.configure()   # offline defaults (no telemetry) for this process, the server and the runs

    root = Path(tempfile.mkdtemp(prefix="campaign-hand-run-"))
    inbox = root / "inbox"
    shutil.copytree(args.inbox, inbox)
    for f in inbox.rglob("*"):   # settled files, as on a share in the morning
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    rows = []
    try:
        for i in range(args.repeat):
            data = root / f"cold-{i}"
            rows.append(("cold (no server)", *hand_run(inbox, data, env)))
            rows.append(("rerun, nothing new (no server)", *hand_run(inbox, data, env)))
        server = prefect_api.PrivateServer(light=False, env={"PREFECT_HOME": str(root / "server-home")})
        try:
            server.wait(900)
            for i in range(args.repeat):
                data = root / f"served-{i}"
                prefect_api.record(data, server.api_url)   # what `campaign serve` writes
                with shared.kept(data), warm.kept(data, env=env):   # and the warm validator and start it keeps
                    validator = shared.connect(data)
                    assert validator is not None and validator.validate({}, 0.005) == []   # its GX imported
                    validator.stop()
                    while not warm.record_path(data).exists():   # its imports done
                        time.sleep(0.1)
                    time.sleep(SETTLE)
                    rows.append(("with the serve server", *hand_run(inbox, data, env)))
                    rows.append(("rerun, nothing new (serve server)", *hand_run(inbox, data, env)))
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()
    speed = {m: import_seconds(m) for m in ("prefect", "great_expectations")}
    lines = [f"## Hand runs over {args.inbox} ({dt.datetime.now():%Y-%m-%d %H:%M}, "
             f"load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores)", "",
             "Machine speed: " + ", ".join(f"`import {m}` {s:.1f} s" for m, s in speed.items())
             + " (fresh process, best of three).", "",
             "| run | seconds | last line |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {secs:.1f} | {last[:90]} |" for name, secs, last in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(HERE / "HAND_RUN.md", "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
