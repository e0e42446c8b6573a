"""The publish stage taken apart, on a data folder a bench night left (bench.run --work W: W/data-n<N>).

    python -m bench.publish_stages --data W/data-n1000 --config <bench config.toml> [--repeat 3]

Times, without Prefect, what publish_flow's tasks do: read the views, parse the problem places,
the workbooks (built and saved to memory), the marked copies and the HTML receipts into a fresh
receipts folder (a first night), then the same again into that folder with nothing changed (a
rerun). Best of --repeat, every repetition listed: the machine is shared, so the spread matters.
Writes nothing into the data folder (receipts go to a temporary folder)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path


def measure(data: Path, config_path: Path, repeat: int, serial: bool = False) -> dict:
    from campaign.config import load_config
    from flows.publish import data_date
    from publish.files import workbook_bytes
    from publish.places import issue_places, places_of_files
    from publish.receipts import write_receipts
    from publish.review_workbook import build_review
    from publish.upward import build_upward
    from publish.workbook import PublishMeta, build_workbook
    from publish.writeback import write_writebacks
    from warehouse import db
    from warehouse.summary import read_summary

    config = load_config(config_path)
    ex = None
    if not serial:   # as flows/publish.py draws them
        from flows.parallel import Execution
        from flows.publish_pool import copies_ahead

        ex = Execution.from_config(config)
    runs: list[dict] = []
    for _ in range(repeat):
        t: dict = {}
        s = time.perf_counter()
        con = db.connect(db.warehouse_path(data), read_only=True)
        try:
            frames = read_summary(con, config.units)
        finally:
            con.close()
        t["read views"] = time.perf_counter() - s
        meta = PublishMeta(data_date=data_date("2018-07-21", config, frames), generated_at=dt.datetime(2018, 7, 21, 23),
                           timezone=config.timezone, campaign_name=config.raw["campaign"]["name"],
                           risk=dict(config.risk), office=config.office, date_given=True,
                           detail_units_max=int(config.raw.get("publish", {}).get("detail_units_max", 200)))
        s = time.perf_counter()
        files = places_of_files(frames.submissions, frames.validation_issues, data)
        t["problem places"] = time.perf_counter() - s
        s = time.perf_counter()
        forms = build_upward(frames, meta)    # saved as publish.files saves them (workbook_bytes)
        workbook_bytes(forms)
        workbook_bytes(build_review(frames, meta))
        workbook_bytes(build_workbook(frames, meta, issue_places(files, frames.validation_issues), forms=forms))
        t["workbooks"] = time.perf_counter() - s
        out = Path(tempfile.mkdtemp(prefix="publish-stages-"))
        try:
            for night in ("first", "rerun"):
                s = time.perf_counter()
                planned = None if ex is None else copies_ahead(frames, files, out / "receipts", data, meta.office,
                                                               False, ex)
                names, copies = write_writebacks(frames, files, out / "receipts", data, meta.office, planned=planned)
                t[f"{night}: marked copies"] = time.perf_counter() - s
                s = time.perf_counter()
                pages = write_receipts(frames, out / "receipts", meta.campaign_name, meta.generated_at, meta.timezone,
                                       office=meta.office, files=files, writebacks=names)
                t[f"{night}: receipts"] = time.perf_counter() - s
                t[f"{night}: written"] = f"{len(copies)} copies, {len(pages)} receipts"
        finally:
            shutil.rmtree(out, ignore_errors=True)
        runs.append(t)
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in t.items()}, ensure_ascii=False),
              flush=True)
    best = {k: (min(r[k] for r in runs) if isinstance(runs[0][k], float) else runs[0][k]) for k in runs[0]}
    return {"best": best, "runs": runs, "submissions": len(frames.submissions)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--serial", action="store_true", help="draw the marked copies in this process (no pool)")
    args = p.parse_args(argv)
    result = measure(args.data, args.config, args.repeat, args.serial)
    print(f"{result['submissions']} submissions, best of {args.repeat}:")
    for k, v in result["best"].items():
        print(f"  {k:24} {v:.2f}" if isinstance(v, float) else f"  {k:24} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
