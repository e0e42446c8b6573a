"""The benchmark: the real nightly run against the naive path, at N = 100, 1,000, 3,000 submissions.

    python -m bench.run --n 100 1000 3000 [--server URL] [--naive-max 1000] [--naive-sample 150]

For each N (inboxes from bench.generate, cached under /tmp/campaign-bench):
  * nightly: `flows.nightly.nightly_flow` in a fresh child process on a fresh data dir, against a
    running Prefect server: process wall time, flow wall time, the time per stage (scan, archive,
    parse, validate, load from IngestResult.timings — parse is the wait for each batch's parse, the
    next batch being parsed while this one is validated and loaded; consolidate and publish timed
    around the sub-flows, publish's tasks and the outbox where they are called), peak memory (ru_maxrss of the child, and of its parse workers), verdict counts
    checked against the generator's manifest;
  * rerun: the same nightly again on the same data dir, nothing new;
  * raw read: every workbook read with python-calamine alone (all sheets to Python values, best of 3), one
    process: the floor the parse stage is compared with;
  * naive: what a tutorial would write: `pandas.read_excel` per sheet per file, one GX validation
    per file per form, one DuckDB transaction per file (same parser rules and suites, so the
    verdicts agree). Above --naive-max files it runs on an evenly spaced sample and is
    extrapolated linearly (the fixed start-up, GX import included, is counted once).
With `--validator warm` the night validates in a GX process started and warmed before it, as
`campaign nightly` does beside a running `campaign serve` (its warm validator; without serve, a GX
child started with the command); by default, in the night's own process, as a call of
`flows.nightly.nightly_flow` does. The night's CPU is reported whole (all its processes), in the
kernel (system time), and for the flow's own thread: the work no pool takes, which more cores
would not shorten.
Prefect start-up is measured apart: a trivial flow in a fresh process, ephemeral (no server:
Prefect starts a temporary API server in the process) vs against the running server.

Without --server, a `prefect server start` is started in the background on 127.0.0.1 (its home in
a temporary directory, analytics off) and stopped at the end. Results: a markdown table on
stdout and in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from types import SimpleNamespace
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULT_TAG = "BENCH-RESULT "


# ======================================================================================
# child processes: each measurement runs in a fresh interpreter

def _emit(result: dict) -> None:
    print(RESULT_TAG + json.dumps(result, default=str), flush=True)


def _rss_mb() -> dict:
    import resource
    return {"rss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def _cpu_self() -> float:
    import resource
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _system_self() -> float:
    """This process's CPU seconds in the kernel (creating, writing and renaming files; forks)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def _tree_peak():
    """Sample the RSS of this process and all its descendants (parse workers, the copies' pool, the GX
    child) every 0.2 s, and the CPU seconds each descendant has used (its last sample: a worker's last
    0.2 s before it exits is not seen, so the figure is a floor)."""
    import threading

    import psutil

    peak = {"mb": 0.0, "cpu": {}, "system": {}}
    stop = threading.Event()
    me = psutil.Process()

    def loop() -> None:
        while not stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                    if proc.pid != me.pid:
                        cpu = proc.cpu_times()
                        peak["cpu"][proc.pid] = cpu.user + cpu.system
                        peak["system"][proc.pid] = cpu.system
                except psutil.Error:
                    pass
            peak["mb"] = max(peak["mb"], total / 2 ** 20)
            stop.wait(0.2)

    threading.Thread(target=loop, daemon=True).start()
    return peak, stop


def child_nightly(inbox: str, data: str, config: str, t_start: float, outbox: str | None = None,
                  validator: str = "flow") -> None:
    peak, stop = _tree_peak()
    t_import = time.perf_counter()
    from support import runtime
    runtime.configure(Path(data))
    import flows.nightly as nightly
    imported = time.perf_counter()
    from contextlib import ExitStack

    gx = ExitStack()     # held until the night is done: closing it stops the GX process
    if validator == "warm":
        # as `campaign nightly` validates beside a running `campaign serve`: in its warm validator, GX
        # imported already (expectations.shared); here a GX child started and warmed before the flow
        from expectations import background

        warm = gx.enter_context(background.started(None))
        if warm is not None:
            warm.validate({}, 0.0)      # answered once the child has imported GX and made its context
            time.sleep(0.3)             # the sampler has seen that warm-up before the night's CPU is counted
    extra: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                extra[name] = extra.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    # the night runs its stages as parts of its own flow run (`<stage>_flow.fn(...)`): time those calls
    for stage in ("ingest", "consolidate", "publish"):
        flow_obj = getattr(nightly, f"{stage}_flow")
        setattr(nightly, f"{stage}_flow", SimpleNamespace(fn=timed(stage, flow_obj.fn)))
    nightly.stage_snapshot = timed("snapshot", nightly.stage_snapshot)
    nightly.outbox_after_publish = timed("outbox", nightly.outbox_after_publish)
    import flows.publish as publish   # publish's tasks, each timed where the publish flow calls it
    for name, stage in (("read_task", "publish: read views"), ("history_task", "publish: history"),
                        ("upward_task", "publish: upward report"), ("places_task", "publish: problem places"),
                        ("workbook_task", "publish: workbooks"),
                        ("receipts_task", "publish: receipts + marked copies")):
        setattr(publish, name, timed(stage, getattr(publish, name)))
    start, cpu_start, system_start, main_start = time.perf_counter(), _cpu_self(), _system_self(), time.thread_time()
    seen_before, system_before = dict(peak["cpu"]), dict(peak["system"])
    with gx:
        result = nightly.nightly_flow(inbox=inbox, data_dir=data, config_path=config, date="2018-07-21", outbox=outbox)
        flow_wall = time.perf_counter() - start
    # the night's CPU: this process's during the flow (exact) and its descendants' (sampled); the flow's
    # own thread apart (exact): what no number of cores would shorten, as the night is built today
    cpu = {"self": _cpu_self() - cpu_start,
           "descendants": sum(t - seen_before.get(pid, 0.0) for pid, t in peak["cpu"].items()),
           "main_thread": time.thread_time() - main_start,
           "system": _system_self() - system_start + sum(t - system_before.get(pid, 0.0)
                                                           for pid, t in peak["system"].items())}
    _emit({"import_s": imported - t_import, "flow_s": flow_wall, "process_s": time.perf_counter() - t_start,
           "stages": {**result.ingest.timings, **extra}, "counts": result.ingest.counts(),
           "rss_tree_peak_mb": round(peak["mb"], 1), "cpu_s": cpu, "cpus": os.cpu_count() or 1, **_rss_mb()})
    stop.set()


def child_prefect_startup(t_start: float) -> None:
    t0 = time.perf_counter()
    from support import runtime
    runtime.configure()
    from prefect import flow, task
    imported = time.perf_counter()

    @task
    def one() -> int:
        return 1

    @flow
    def hello() -> int:
        return one()

    start = time.perf_counter()
    hello()
    first = time.perf_counter() - start
    start = time.perf_counter()
    hello()
    second = time.perf_counter() - start
    _emit({"import_s": imported - t0, "first_flow_s": first, "next_flow_s": second,
           "process_s": time.perf_counter() - t_start})


def child_raw_read(files: list[str]) -> None:
    import python_calamine

    def once() -> float:
        start = time.perf_counter()
        for path in files:
            try:
                wb = python_calamine.CalamineWorkbook.from_path(path)
                for name in wb.sheet_names:
                    wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:
                pass
        return time.perf_counter() - start

    # best of 3: the floor the night is divided by must not carry another session's burst
    # (single reads of the same 3,000 files ranged 2.3–4.0 s on this shared machine)
    tries = [once() for _ in range(3)]
    out = {"calamine_s": min(tries), "calamine_tries_s": [round(t, 2) for t in tries], "files": len(files)}
    try:
        import fastexcel
    except ImportError:
        fastexcel = None
    if fastexcel is not None:
        start = time.perf_counter()
        for path in files:
            try:
                reader = fastexcel.read_excel(path)
                for name in reader.sheet_names:
                    reader.load_sheet(name, header_row=None).to_arrow()
            except Exception:
                pass
        out["fastexcel_s"] = time.perf_counter() - start
    _emit(out)


def child_naive(inbox: str, files: list[str], data: str, config_path: str, t_start: float) -> None:
    """The tutorial pipeline: read_excel per sheet, GX per file per form, a DuckDB transaction per file."""
    t0 = time.perf_counter()
    from support import runtime
    runtime.configure(Path(data))
    import hashlib

    import pandas as pd

    from campaign.config import load_config
    from campaign.forms import FORMS_BY_CODE
    from expectations.runner import FormRows, gx_context
    from expectations.validate import validate
    from transforms.sheet import Sheet
    from transforms.issues import error
    from transforms.parse import parse_workbook
    from transforms.submission import Receipt, decide, form_records
    from warehouse import db, load
    config = load_config(config_path)
    gx_context()
    con = db.connect(db.warehouse_path(Path(data)))
    db.init_schema(con)
    setup = time.perf_counter() - t0
    phases = {"read": 0.0, "parse": 0.0, "validate": 0.0, "load": 0.0}
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    for rel in files:
        path = Path(inbox) / rel
        unit = rel.split("/")[0]
        t = time.perf_counter()
        sheets, issues, forms = [], [], []
        try:
            for name in pd.ExcelFile(path, engine="openpyxl").sheet_names:
                df = pd.read_excel(path, sheet_name=name, header=None, engine="openpyxl")
                cells = df.astype(object).where(df.notna(), None).values.tolist()
                sheets.append(Sheet(name, cells))
        except Exception as exc:
            issues = [error("UNREADABLE_FILE", str(exc))]
        phases["read"] += time.perf_counter() - t
        t = time.perf_counter()
        if sheets:
            parsed = parse_workbook(sheets)
            forms, more = form_records(parsed, config.unit_kind(unit))
            issues = list(parsed.issues) + [i for pf in parsed.forms for i in pf.issues] + more
        phases["parse"] += time.perf_counter() - t
        t = time.perf_counter()
        for f in forms:                                  # one GX validation per file per form
            if not f.counts or not f.records:
                continue
            key = FORMS_BY_CODE[f.form].key
            batch = {key: [FormRows(0, unit, f.records)]}
            if f.total_records:
                batch[f"{key}_totals"] = [FormRows(0, unit, f.total_records)]
            issues += [issue for _, issue in validate(batch, float(config.sum_tolerance))]
        phases["validate"] += time.perf_counter() - t
        t = time.perf_counter()
        data_bytes = path.read_bytes()
        sha = hashlib.sha256(data_bytes).hexdigest()
        receipt = Receipt(unit, path.name, rel, sha, len(data_bytes), None, dt.datetime.now(), f"naive/{sha}")
        verdict = decide(receipt, forms, issues)
        statuses[verdict.status] = statuses.get(verdict.status, 0) + 1
        load.record_verdict(con, verdict, "naive")       # one transaction per file
        phases["load"] += time.perf_counter() - t
    con.close()
    _emit({"setup_s": setup, "files_s": time.perf_counter() - start, "files": len(files), "phases": phases,
           "statuses": statuses, "process_s": time.perf_counter() - t_start, **_rss_mb()})


# ======================================================================================
# the parent

def _spawn(args: list[str], env: dict, log: Path, timeout: float = 7200) -> dict:
    cmd = [sys.executable, "-m", "bench.run", "_child", *args]
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    wall = time.perf_counter() - start
    lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child {args[0]} failed (exit {proc.returncode}); see {log}")
    result = json.loads(lines[-1][len(RESULT_TAG):])
    result["wall_s"] = wall
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


class Server:
    """A `prefect server start` in the background (ours: stopped by its pid at the end)."""

    def __init__(self, work: Path):
        self.home = Path(tempfile.mkdtemp(prefix="prefect-home-", dir=work))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_UI_ENABLED": "false", "DO_NOT_TRACK": "1"}
        env.pop("PREFECT_API_URL", None)
        self.log = open(self.home / "server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                      "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 180
        while not _healthy(self.url):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"prefect server did not start; see {self.home / 'server.log'}")
            time.sleep(0.5)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def _env(prefect_home: Path, api_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "PYTHONPATH": str(REPO)})
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _sample(files: list[str], k: int) -> list[str]:
    if k >= len(files):
        return files
    step = len(files) / k
    return [files[int(i * step)] for i in range(k)]


def measure(ns: list[int], server_url: str | None, naive_max: int, naive_sample: int, work: Path,
            validator: str = "flow") -> dict:
    from bench.generate import generate

    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "load_before": os.getloadavg()}, "runs": {}, "validator": validator}
    benches = {n: generate(n) for n in ns}
    server = None if server_url else Server(work)
    with (server or _NullCtx()) as srv:
        url = server_url or srv.url
        results["server"] = url
        home = Path(tempfile.mkdtemp(prefix="prefect-client-", dir=work))
        ephemeral_home = Path(tempfile.mkdtemp(prefix="prefect-ephemeral-", dir=work))
        print(f"prefect start-up (ephemeral, then server {url}) ...", flush=True)
        results["startup"] = {
            "ephemeral": _spawn(["startup", str(time.perf_counter())], _env(ephemeral_home, None), work / "startup-ephemeral.log"),
            "server": _spawn(["startup", str(time.perf_counter())], _env(home, url), work / "startup-server.log"),
        }
        for n, b in benches.items():
            run: dict = {}
            data, outbox = work / f"data-n{n}", work / f"outbox-n{n}"   # both fresh: a first night
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(outbox, ignore_errors=True)
            print(f"N={n}: nightly ...", flush=True)
            run["nightly"] = _spawn(["nightly", str(b.inbox), str(data), str(b.config_path), str(time.perf_counter()),
                                     str(outbox), validator], _env(home, url), work / f"nightly-n{n}.log")
            print(f"N={n}: rerun, nothing new ...", flush=True)
            run["rerun"] = _spawn(["nightly", str(b.inbox), str(data), str(b.config_path), str(time.perf_counter()),
                                   str(outbox), validator], _env(home, url), work / f"rerun-n{n}.log")
            subs = [m["path"] for m in b.submissions]
            expected = {"accepted": sum(m["expected"] == "accepted" for m in b.submissions),
                        "rejected": sum(m["expected"] == "rejected" for m in b.submissions)}
            got = run["nightly"]["counts"]
            run["verdicts_ok"] = (got["accepted"], got["rejected"]) == (expected["accepted"], expected["rejected"])
            run["expected"] = expected
            print(f"N={n}: raw read ...", flush=True)
            files_json = work / f"files-n{n}.json"
            files_json.write_text(json.dumps([str(b.inbox / p) for p in subs]), encoding="utf-8")
            run["raw"] = _spawn(["raw", str(files_json)], _env(home, url), work / f"raw-n{n}.log")
            naive_files = subs if n <= naive_max else _sample(subs, naive_sample)
            print(f"N={n}: naive baseline on {len(naive_files)} files ...", flush=True)
            naive_json = work / f"naive-files-n{n}.json"
            naive_json.write_text(json.dumps(naive_files, ensure_ascii=False), encoding="utf-8")
            naive_data = work / f"naive-n{n}"
            shutil.rmtree(naive_data, ignore_errors=True)
            naive = _spawn(["naive", str(b.inbox), str(naive_json), str(naive_data), str(b.config_path),
                            str(time.perf_counter())], _env(home, url), work / f"naive-n{n}.log")
            per_file = naive["files_s"] / max(1, naive["files"])
            naive["estimated_s"] = naive["wall_s"] - naive["files_s"] + per_file * len(subs)
            naive["extrapolated"] = len(naive_files) < len(subs)
            run["naive"] = naive
            results["runs"][n] = run
            print(f"N={n}: nightly {run['nightly']['flow_s']:.1f} s, rerun {run['rerun']['flow_s']:.1f} s, "
                  f"naive {naive['estimated_s']:.0f} s{' (extrapolated)' if naive['extrapolated'] else ''}", flush=True)
    results["machine"]["load_after"] = os.getloadavg()
    return results


class _NullCtx:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


# in the order the publish runs them (before 2026-12-06 03:00 the upward report was part of "workbooks",
# and the problem places were read before the workbooks, in the flow's process)
PUBLISH_PARTS = ("publish: read views", "publish: history", "publish: upward report", "publish: problem places",
                 "publish: workbooks", "publish: receipts + marked copies")


def _cpu_cell(r: dict) -> str:
    cpu = r["nightly"].get("cpu_s")
    return f"{cpu['self'] + cpu['descendants']:.1f} ({cpu['self']:.1f} + {cpu['descendants']:.1f})" if cpu else "–"


def _cpu_floor_cell(r: dict) -> str:
    cpu = r["nightly"].get("cpu_s")
    if not cpu:
        return "–"
    floor = (cpu["self"] + cpu["descendants"]) / r["nightly"].get("cpus", 1)
    return f"{floor / max(r['raw']['calamine_s'], 1e-9):.1f}×"


def _system_cell(r: dict) -> str:
    cpu = r["nightly"].get("cpu_s") or {}
    return f"{cpu['system']:.1f}" if "system" in cpu else "–"


def _main_thread_cell(r: dict) -> str:
    cpu = r["nightly"].get("cpu_s") or {}
    return f"{cpu['main_thread']:.1f}" if "main_thread" in cpu else "–"


def _serial_floor_cell(r: dict) -> str:
    cpu = r["nightly"].get("cpu_s") or {}
    if "main_thread" not in cpu:
        return "–"
    return f"{cpu['main_thread'] / max(r['raw']['calamine_s'], 1e-9):.1f}×"


def table(results: dict) -> str:
    runs = results["runs"]
    ns = list(runs)
    st = results["startup"]

    def col(fn) -> str:
        return " | ".join(fn(runs[n]) for n in ns)

    def stage(name: str):
        return lambda r: f"{r['nightly']['stages'].get(name, 0.0):.2f}"

    rows = [
        ("**nightly end to end** (flow, running server)", lambda r: f"**{r['nightly']['flow_s']:.1f} s**"),
        ("nightly, whole process (interpreter + imports + flow)", lambda r: f"{r['nightly']['process_s']:.1f} s"),
        ("· scan", stage("scan")), ("· archive", stage("archive")), ("· parse (waited for)", stage("parse")),
        ("· validate (GX, once per form per batch)", stage("validate")), ("· load (DuckDB)", stage("load")),
        ("· analysts' snapshot (end of the night)", stage("snapshot")),
        ("· consolidate", stage("consolidate")), ("· publish", stage("publish")),
        *((f"· · {name.removeprefix('publish: ')}", stage(name)) for name in PUBLISH_PARTS),
        ("· outbox (every unit's folder, the office's)", stage("outbox")),
        ("· ingest flow total", stage("ingest")),
        ("raw read, python-calamine, 1 process (best of 3)", lambda r: f"{r['raw']['calamine_s']:.2f}"),
        ("parse ÷ raw read", lambda r: f"{r['nightly']['stages'].get('parse', 0) / max(r['raw']['calamine_s'], 1e-9):.1f}×"),
        ("**nightly ÷ raw read**", lambda r: f"**{r['nightly']['flow_s'] / max(r['raw']['calamine_s'], 1e-9):.1f}×**"),
        ("CPU of the night, all its processes (s; flow process + sampled workers)", _cpu_cell),
        ("· the same ÷ the cores ÷ raw read: the ratio if every core were busy all night", _cpu_floor_cell),
        ("· of which in the kernel (system time: files and folders created, written, renamed; forks)", _system_cell),
        ("CPU of the flow's own thread (s): the stages no pool takes", _main_thread_cell),
        ("· the same ÷ raw read: the ratio with any number of cores", _serial_floor_cell),
        ("**rerun, nothing new** (flow)", lambda r: f"**{r['rerun']['flow_s']:.1f} s**"),
        ("· rerun ingest", lambda r: f"{r['rerun']['stages'].get('ingest', 0):.2f}"),
        ("· rerun consolidate + publish",
         lambda r: f"{r['rerun']['stages'].get('consolidate', 0) + r['rerun']['stages'].get('publish', 0):.2f}"),
        ("· rerun outbox", lambda r: f"{r['rerun']['stages'].get('outbox', 0):.2f}"),
        ("peak memory, flow process (MB)", lambda r: f"{r['nightly']['rss_self_mb']:.0f}"),
        ("peak memory, flow process + parse workers (MB, sampled)", lambda r: f"{r['nightly']['rss_tree_peak_mb']:.0f}"),
        ("naive baseline (read_excel per sheet, GX per file per form, a transaction per file)",
         lambda r: f"{r['naive']['estimated_s']:.0f} s{'*' if r['naive']['extrapolated'] else ''}"),
        ("· naive per file: read / parse / validate / load (ms)",
         lambda r: " / ".join(f"{r['naive']['phases'][k] / max(1, r['naive']['files']) * 1000:.0f}"
                              for k in ("read", "parse", "validate", "load"))),
        ("**naive ÷ nightly end to end**", lambda r: f"**{r['naive']['estimated_s'] / r['nightly']['flow_s']:.0f}×**"),
        ("naive ÷ ingest flow", lambda r: f"{r['naive']['estimated_s'] / max(r['nightly']['stages'].get('ingest', 1e-9), 1e-9):.0f}×"),
        ("verdicts as generated (accepted / rejected)",
         lambda r: f"{'ok' if r['verdicts_ok'] else 'MISMATCH'} ({r['nightly']['counts']['accepted']} / "
                   f"{r['nightly']['counts']['rejected']})"),
    ]
    out = [f"| N submissions | {' | '.join(f'{n:,}' for n in ns)} |", "| --- |" + " ---: |" * len(ns)]
    out += [f"| {label} | {col(fn)} |" for label, fn in rows]
    out.append("")
    out.append("Seconds unless stated. `*` naive extrapolated linearly from an evenly spaced sample "
               "(its fixed start-up counted once).")
    out.append("")
    out.append("| Prefect start-up (trivial flow, fresh process) | import | first flow | next flow | process |")
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for kind in ("ephemeral", "server"):
        s = st[kind]
        label = "ephemeral (no server: temporary API server in-process)" if kind == "ephemeral" else "running `prefect server`"
        out.append(f"| {label} | {s['import_s']:.1f} s | {s['first_flow_s']:.1f} s | {s['next_flow_s']:.2f} s | "
                   f"{s['wall_s']:.1f} s |")
    m = results["machine"]
    out.append("")
    if results.get("validator") == "warm":
        out.append("Validated in a GX process warmed before the night (`--validator warm`), as `campaign nightly` "
                   "does beside a running `campaign serve`; without it, in the night's own process.")
        out.append("")
    out.append(f"Machine: {m['cpus']} CPUs, Python {m['python']}; load average before "
               f"{m['load_before'][0]:.2f}, after {m['load_after'][0]:.2f} (other sessions share these CPUs).")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_child":
        kind, rest = argv[1], argv[2:]
        if kind == "nightly":
            child_nightly(rest[0], rest[1], rest[2], float(rest[3]), rest[4] if len(rest) > 4 else None,
                          rest[5] if len(rest) > 5 else "flow")
        elif kind == "startup":
            child_prefect_startup(float(rest[0]))
        elif kind == "raw":
            child_raw_read(json.loads(Path(rest[0]).read_text(encoding="utf-8")))
        elif kind == "naive":
            child_naive(rest[0], json.loads(Path(rest[1]).read_text(encoding="utf-8")), rest[2], rest[3], float(rest[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[100, 1000, 3000])
    p.add_argument("--server", help="URL of a running Prefect API (http://127.0.0.1:4200/api); default: start one")
    p.add_argument("--naive-max", type=int, default=1000, help="run the naive baseline on every file up to this N")
    p.add_argument("--naive-sample", type=int, default=150, help="above --naive-max: files in the naive sample")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "campaign-bench" / "runs")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--validator", choices=("flow", "warm"), default="flow",
                   help="flow: GX imported and run in the night's own process (nightly_flow called as is); warm: "
                        "in a GX process warmed before the night (`campaign nightly` beside `campaign serve`)")
    args = p.parse_args(argv)
    results = measure(args.n, args.server, args.naive_max, args.naive_sample, args.work, args.validator)
    (args.work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    text = table(results)
    print(text)
    header = (f"# Benchmark results\n\n`python -m bench.run {' '.join(argv)}` — "
              f"{dt.datetime.now():%Y-%m-%d %H:%M}. Regenerate with the same command.\n\n")
    args.out.write_text(header + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
