"""The cost of a night with many nights of history (issue 17), at province scale.

    python -m bench.history --n 1000 --nights 80

One process: a bench inbox (bench.generate) through one real nightly run (night 1), then nights
2 .. --nights seeded with the real history writer (warehouse.history.record_night, each in its own
transaction, on the same warehouse), then the publish step of the next night run for real
(flows.publish.publish_flow, workbook included) and the analysts' snapshot copied. Each step is
timed; the first publish (no history) is compared with the last (--nights of history). Prints a
markdown table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000, help="submissions in the bench inbox")
    p.add_argument("--nights", type=int, default=80, help="nights of history before the measured night")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "campaign-bench" / "history")
    args = p.parse_args(argv)

    from bench.generate import generate
    from support import runtime
    bench = generate(args.n, quiet=True)
    data = args.work / f"n{args.n}"
    shutil.rmtree(data, ignore_errors=True)
    runtime.configure(data)
    from flows.nightly import nightly_flow
    from flows.publish import publish_flow
    from warehouse import db, history
    from warehouse.snapshot import refresh_snapshot

    first = dt.date(2018, 5, 11)
    out: dict[str, object] = {}
    nightly_flow(inbox=str(bench.inbox), data_dir=str(data), config_path=str(bench.config_path), date=str(first))

    def publish(night: dt.date) -> float:
        start = time.perf_counter()
        publish_flow(data_dir=str(data), config_path=str(bench.config_path), date=str(night), force=True)
        return time.perf_counter() - start

    out["publish, night 1 again (no earlier night: every row is a change)"] = publish(first)
    out["publish, night 2 (1 night of history)"] = publish(first + dt.timedelta(days=1))
    out["rss after night 2 (MB)"] = _rss_mb()
    con = db.connect(db.warehouse_path(data))
    try:
        sizes = {t: con.execute(f"SELECT count(*) FROM {t} WHERE data_date = ?", [first]).fetchone()[0]
                 for t in history.SNAPSHOTS}
        sizes["hist_night_changes"] = con.execute("SELECT count(*) FROM hist_night_changes").fetchone()[0]
        seeded = []
        for i in range(2, args.nights):
            start = time.perf_counter()
            with db.transaction(con):
                history.record_night(con, first + dt.timedelta(days=i))
                history.changes(con, first + dt.timedelta(days=i))
                history.series(con, first + dt.timedelta(days=i))
            seeded.append(time.perf_counter() - start)
        total_rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in history.SNAPSHOTS)
    finally:
        con.close()
    out["history record, night 3 (s)"] = round(seeded[0], 3)
    out[f"history record, night {args.nights} (s)"] = round(seeded[-1], 3)
    out["history record, mean of nights 3-12 / last 10 (s)"] = (round(sum(seeded[:10]) / 10, 3),
                                                               round(sum(seeded[-10:]) / 10, 3))
    night = first + dt.timedelta(days=args.nights)
    out[f"publish, night {args.nights + 1} ({args.nights} nights of history)"] = publish(night)
    out[f"rss after night {args.nights + 1} (MB)"] = _rss_mb()
    start = time.perf_counter()
    refresh_snapshot(data)
    out["analysts' snapshot copy (s)"] = round(time.perf_counter() - start, 2)
    out["warehouse size (MB)"] = round(db.warehouse_path(data).stat().st_size / 2 ** 20, 1)
    out["history rows per night"] = sizes
    out["history rows in all"] = total_rows

    print(f"\n| history bench: N = {args.n}, {args.nights} nights | value |\n| --- | ---: |")
    for k, v in out.items():
        print(f"| {k} | {round(v, 2) if isinstance(v, float) else v} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
