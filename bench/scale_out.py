"""The night on a real Dask cluster, beside the same night on this machine.

    python -m bench.scale_out --n 1000 [--workers 2] [--server URL]

Starts `dask scheduler` and `--workers` separate `dask worker` processes (one process, one thread
each: a cluster as it would run on other machines, here on this one), writes a copy of the bench
config with `[execution] task_runner = "dask"` and `dask_address = "tcp://…"`, and runs the
nightly flow twice over the same generated inbox (bench.generate): locally, then on the cluster.
Reports each night's seconds and stages and checks that the verdicts (every file's status) and
the city figures are identical. Results on stdout and appended to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.run import HERE, REPO, Server, _env, _free_port, _NullCtx, _spawn


class Cluster:
    """`dask scheduler` + N `dask worker` processes on 127.0.0.1, stopped at the end."""

    def __init__(self, workers: int, env: dict, logs: Path):
        self.workers, self.env, self.logs = workers, env, logs
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.logs / log, "w")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "dask"), *args], env=self.env, cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def __enter__(self) -> "Cluster":
        self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"], "scheduler.log")
        for i in range(self.workers):
            self._start(["worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                         "--name", f"bench-worker-{i}"], f"worker-{i}.log")
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    if len(client.scheduler_info()["workers"]) >= self.workers:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Dask cluster did not come up; see {self.logs}")
            time.sleep(1)

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _dask_config(base: Path, address: str, out: Path) -> Path:
    text = base.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^task_runner = ".*?"', 'task_runner = "dask"', text)
    text = re.sub(r'(?m)^dask_address = ".*?"', f'dask_address = "{address}"', text)
    assert 'task_runner = "dask"' in text and address in text, "the bench config has no [execution] keys to set"
    out.write_text(text, encoding="utf-8")
    return out


def _outcome(data: Path) -> tuple[dict, list]:
    con = duckdb.connect(str(data / "campaign.duckdb"), read_only=True)
    try:
        verdicts = dict(con.execute("SELECT inbox_path, status FROM submissions").fetchall())
        figures = con.execute("SELECT * FROM city_stats ORDER BY ALL").fetchall()
        return verdicts, figures
    finally:
        con.close()


def measure(n: int, workers: int, server_url: str | None, work: Path) -> dict:
    from bench.generate import generate

    work.mkdir(parents=True, exist_ok=True)
    b = generate(n)
    out: dict = {"n": n, "workers": workers, "load_before": os.getloadavg()}
    with (_NullCtx() if server_url else Server(work)) as srv:
        url = server_url or srv.url
        home = Path(tempfile.mkdtemp(prefix="prefect-client-", dir=work))
        env = _env(home, url)
        local, remote = work / f"scale-local-n{n}", work / f"scale-dask-n{n}"
        for d in (local, remote, Path(f"{local}-outbox"), Path(f"{remote}-outbox")):   # each night a first one
            shutil.rmtree(d, ignore_errors=True)
        print(f"N={n}: the night on this machine ...", flush=True)
        out["local"] = _spawn(["nightly", str(b.inbox), str(local), str(b.config_path), str(time.perf_counter()),
                               f"{local}-outbox"], env, work / f"scale-local-n{n}.log")
        with Cluster(workers, env, work) as cluster:
            cfg = _dask_config(b.config_path, cluster.address, work / f"dask-n{n}.toml")
            print(f"N={n}: the night on the Dask cluster {cluster.address} ({workers} workers) ...", flush=True)
            out["dask"] = _spawn(["nightly", str(b.inbox), str(remote), str(cfg), str(time.perf_counter()),
                                  f"{remote}-outbox"], env, work / f"scale-dask-n{n}.log")
        (lv, lf), (rv, rf) = _outcome(local), _outcome(remote)
        out["verdicts_identical"] = lv == rv
        out["figures_identical"] = lf == rf
        out["files"] = len(lv)
    out["load_after"] = os.getloadavg()
    return out


def table(r: dict) -> str:
    stages = ("scan", "archive", "parse", "validate", "load", "consolidate", "publish", "outbox")
    lines = [f"| N = {r['n']:,} | this machine (threads + process pool) | Dask cluster ({r['workers']} `dask worker` processes) |",
             "| --- | ---: | ---: |",
             f"| **nightly end to end** | **{r['local']['flow_s']:.1f} s** | **{r['dask']['flow_s']:.1f} s** |"]
    for s in stages:
        lines.append(f"| · {s} | {r['local']['stages'].get(s, 0):.2f} | {r['dask']['stages'].get(s, 0):.2f} |")
    lines.append(f"| peak memory, flow process (MB) | {r['local']['rss_self_mb']:.0f} | {r['dask']['rss_self_mb']:.0f} |")
    lines.append("")
    lines.append(f"Verdicts of all {r['files']:,} files identical: {'yes' if r['verdicts_identical'] else 'NO'}; "
                 f"city figures identical: {'yes' if r['figures_identical'] else 'NO'}.")
    lines.append(f"Load average before {r['load_before'][0]:.2f}, after {r['load_after'][0]:.2f}; scheduler, workers and "
                 "the flow share this machine's 2 cores, so the cluster measures the path's overhead, not a speed-up.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--server", help="URL of a running Prefect API; default: start one")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "campaign-bench" / "scale-out")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"), help="append the table here ('' : stdout only)")
    args = p.parse_args(argv)
    r = measure(args.n, args.workers, args.server, args.work)
    text = table(r)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(f"\n## Scale-out: the same night on a Dask cluster\n\n`python -m bench.scale_out --n {args.n} "
                     f"--workers {args.workers}` — {dt.datetime.now():%Y-%m-%d %H:%M}.\n\n{text}\n")
    return 0 if r["verdicts_identical"] and r["figures_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
