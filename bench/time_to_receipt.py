"""Time to receipt: a file dropped into a served campaign, until its receipt is in the unit's outbox.

    python -m bench.time_to_receipt [--drops 5] [--settle 30] [--handful 5]

1. **Served.** A campaign whose screening window holds today, `[intake_schedule]` every minute,
   all day, every day; `campaign serve --inbox … --data-dir … --outbox …` as ops start it (its own
   private Prefect server, the runner, the warm start). Then `--drops` times: a unit's workbook is
   copied into `<inbox>/<unit>/` (written beside it and renamed in, as a share copy lands; its
   modification time is the arrival time, the worst case for `[intake] settle_seconds`), at a random
   second of the minute, and `<outbox>/<unit>/<file>_<sha8>.html` is polled every 0.2 s. Reported:
   each drop's seconds from arrival to receipt, the median and the worst, and where the time goes
   (the run log: from the arrival to the start of the run that answered, and that run's own length).
2. **By hand.** `campaign intake` over a fresh data dir with a city's usual handful of new files
   (`--handful`, from the demo inbox): the whole command (a process: imports, Prefect, the flow) and the
   intake flow's own seconds as it reports them.

Everything lives under a temporary folder; nothing is written elsewhere. Prints a Markdown table
(for bench/RESULTS.md) and the raw figures as JSON."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = [sys.executable, "-m", "cli"]


def config_for_today(path: Path, settle: float, every: int = 1) -> Path:
    """The packaged config with a screening window around today and the intake every `every` minutes, all day."""
    from campaign.config import DEFAULT_CONFIG

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    start, end = today - dt.timedelta(days=3), today + dt.timedelta(days=3)
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for key, value in (("mobilisation_start", start - dt.timedelta(days=3)), ("mobilisation_end", start - dt.timedelta(days=1)),
                       ("screening_start", start), ("screening_end", end), ("forms_due", end)):
        text = re.sub(rf"(?m)^{key} = \S+", f"{key} = {value.isoformat()}", text)
    for key, value in (("every_minutes", str(every)), ("start", '"00:00"'), ("end", '"23:59"'),
                       ("weekdays", '["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]'),
                       ("settle_seconds", f"{settle:g}")):
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    path.write_text(text, encoding="utf-8")
    return path


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PYTHONPATH=str(REPO), CAMPAIGN_NO_WARM="1")
    return env


def _receipt(outbox: Path, unit: str, name: str, data: bytes) -> Path:
    from publish.receipts import receipt_path

    return receipt_path(outbox, unit, name, hashlib.sha256(data).hexdigest())


def _drop(inbox: Path, unit: str, name: str, data: bytes) -> float:
    """Land the file as a share copy does: written beside, renamed in; its mtime is now."""
    folder = inbox / unit
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{unit}.{name}.part"
    tmp.write_bytes(data)
    arrival = time.time()
    os.utime(tmp, (arrival, arrival))
    os.replace(tmp, folder / name)
    return arrival


def _runs(data: Path) -> list[dict]:
    from warehouse.runlog import read_runs

    rows, _ = read_runs(data)
    return [r for r in rows if r["flow"] == "intake"]


def served(root: Path, drops: int, settle: float, seed: int) -> dict:
    from campaign.config import load_config
    from cli.demo import write_demo_inbox

    config_path = config_for_today(root / "served.toml", settle)
    config = load_config(config_path)
    demo = root / "demo"
    files = [p for p in write_demo_inbox(demo, config) if p.suffix == ".xlsx" and not p.name.startswith("~$")]
    rng = random.Random(seed)
    rng.shuffle(files)
    inbox, data, outbox = root / "share" / "inbox", root / "data", root / "share" / "outbox"
    inbox.mkdir(parents=True)
    log = open(root / "serve.log", "w")
    proc = subprocess.Popen(CAMPAIGN + ["serve", "--inbox", str(inbox), "--data-dir", str(data), "--outbox", str(outbox),
                                        "--config", str(config_path)], env=_env(root / "prefect-home"),
                            stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    out: dict = {"drops": [], "settle_seconds": settle, "every_minutes": 1}
    try:
        deadline = time.monotonic() + 300
        while "serving nightly/campaign-nightly" not in (root / "serve.log").read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"campaign serve did not start: see {root / 'serve.log'}")
            time.sleep(0.5)
        # the first scheduled intake (an empty inbox) warms nothing up: measure from a quiet state
        for i in range(drops):
            time.sleep(rng.uniform(0, 60))            # a random second of the minute
            path = files[i % len(files)]
            unit, data_bytes = path.parent.name, path.read_bytes()
            name = f"{path.stem}_{i}{path.suffix}"
            receipt = _receipt(outbox, unit, name, data_bytes)
            arrival = _drop(inbox, unit, name, data_bytes)
            while not receipt.is_file():
                if time.monotonic() > deadline + 900 * (i + 1):
                    raise RuntimeError(f"no receipt for {unit}/{name} after 15 minutes: see {root / 'serve.log'}")
                time.sleep(0.2)
            seen = time.time()
            out["drops"].append({"unit": unit, "file": name, "arrival": arrival, "receipt": seen,
                                 "seconds": round(seen - arrival, 1)})
            print(f"drop {i + 1}/{drops}: {unit}/{name}: receipt after {seen - arrival:.1f} s", flush=True)
        quiet = time.monotonic() + 60                 # the last run records its row after the outbox: let it end
        while time.monotonic() < quiet and any(r["outcome"] == "running" for r in _runs(data)):
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)           # serve and the Prefect server it started
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    runs = _runs(data)
    for d in out["drops"]:   # the run that answered: the first intake that started after the arrival and saw a file
        arrived = dt.datetime.fromtimestamp(d["arrival"], dt.timezone.utc).replace(tzinfo=None)
        answered = sorted((r for r in runs if r["started_at"] >= arrived and (r.get("accepted") or 0)
                           + (r.get("rejected") or 0) + (r.get("duplicates") or 0) > 0), key=lambda r: r["started_at"])
        if answered:
            r = answered[0]
            d["wait_to_run_start"] = round((r["started_at"] - arrived).total_seconds(), 1)
            due = r["started_at"].replace(second=0, microsecond=0)   # its scheduled minute (every 1 min)
            d["start_after_due"] = round((r["started_at"] - due).total_seconds(), 1)
            d["run_seconds"] = round((r["finished_at"] - r["started_at"]).total_seconds(), 1)
            d["runs_before"] = sum(1 for x in runs if arrived <= x["started_at"] < r["started_at"])
    seconds = [d["seconds"] for d in out["drops"]]
    out["median"], out["worst"], out["best"] = statistics.median(seconds), max(seconds), min(seconds)
    empty = [(r["finished_at"] - r["started_at"]).total_seconds() for r in runs
             if not ((r.get("accepted") or 0) + (r.get("rejected") or 0) + (r.get("duplicates") or 0))
             and r.get("finished_at")]
    out["intake_runs"] = len(runs)
    out["empty_run_median"] = round(statistics.median(empty), 1) if empty else None
    return out


def by_hand(root: Path, handful: int, settle: float) -> dict:
    """`campaign intake` over a fresh data dir with `handful` new files of a city."""
    from campaign.config import load_config
    from cli.demo import write_demo_inbox

    config_path = config_for_today(root / "hand.toml", settle)
    config = load_config(config_path)
    demo = root / "hand-demo"
    files = [p for p in write_demo_inbox(demo, config)
             if p.suffix in (".xlsx", ".docx", ".pdf") and not p.name.startswith("~$")]
    inbox, outbox = root / "hand" / "inbox", root / "hand" / "outbox"
    old = time.time() - 3600
    for p in files[:handful]:
        target = inbox / p.parent.name / p.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
        os.utime(target, (old, old))
    rows = {}
    for label, data in (("first intake (new data dir)", root / "hand" / "data"), ("rerun, nothing new", root / "hand" / "data")):
        t0 = time.perf_counter()
        proc = subprocess.run(CAMPAIGN + ["intake", "--inbox", str(inbox), "--data-dir", str(data), "--outbox", str(outbox),
                                          "--config", str(config_path)], env=_env(root / "hand-home"), cwd=root,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise RuntimeError(proc.stderr[-2000:])
        flow = re.search(r"; ([0-9.]+) s\s*$", proc.stdout.strip().splitlines()[-1])
        rows[label] = {"process": round(wall, 1), "flow": float(flow.group(1)) if flow else None,
                       "line": proc.stdout.strip().splitlines()[-1]}
    return {"files": [f"{p.parent.name}/{p.name}" for p in files[:handful]], "runs": rows}


def table(result: dict) -> str:
    s, h = result["served"], result["hand"]
    lines = [f"## Time to receipt ({dt.datetime.now():%Y-%m-%d %H:%M}, `python -m bench.time_to_receipt "
             f"--drops {len(s['drops'])} --settle {s['settle_seconds']:g} --handful {len(h['files'])}`)", "",
             f"`campaign serve` (private Prefect server), `[intake_schedule]` every {s['every_minutes']} min, "
             f"`[intake] settle_seconds` = {s['settle_seconds']:g}; a county's workbook copied into its folder at a "
             f"random second, its receipt awaited in `<outbox>/<unit>/`.", "",
             "| drop | unit | arrival → receipt (s) | arrival → start of the run that answered (s) | "
             "· of which: that run's start after its scheduled minute (s) | that run (s) | runs that found it "
             "still settling |", "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for i, d in enumerate(s["drops"], 1):
        lines.append(f"| {i} | {d['unit']} | {d['seconds']:.1f} | {d.get('wait_to_run_start', '')} | "
                     f"{d.get('start_after_due', '')} | {d.get('run_seconds', '')} | {d.get('runs_before', '')} |")
    lines += ["", f"**median {s['median']:.1f} s, worst {s['worst']:.1f} s** (best {s['best']:.1f} s) over "
              f"{len(s['drops'])} drops; {s['intake_runs']} intake runs in all, one with nothing new takes "
              f"{s['empty_run_median']} s (median, run log).", "",
              f"By hand, `campaign intake` with a city's handful of new files ({len(h['files'])}: "
              f"{', '.join(h['files'])}):", "",
              "| run | whole command (s) | intake flow (s) |", "| --- | ---: | ---: |"]
    for label, r in h["runs"].items():
        lines.append(f"| {label} | {r['process']:.1f} | {r['flow']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drops", type=int, default=5)
    ap.add_argument("--settle", type=float, default=30.0, help="[intake] settle_seconds (the config's default: 30)")
    ap.add_argument("--handful", type=int, default=5)
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="campaign-ttr-"))
    try:
        result = {"hand": by_hand(root, args.handful, args.settle), "served": served(root, args.drops, args.settle, args.seed)}
    except BaseException:
        print(f"(kept {root} for a look)", file=sys.stderr)
        raise
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
