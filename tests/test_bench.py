"""The benchmark's own children still run against the pipeline's current code.

The bench is run by hand (`python -m bench.run`), so nothing else would notice when a change to
the parser or the runner breaks its naive baseline or its raw-read floor. Small N, real files,
each child in its own process exactly as the bench spawns it."""
from __future__ import annotations

import json
import time
from pathlib import Path

from bench.generate import generate
from bench.run import _env, _spawn


def test_naive_baseline_and_raw_read_run_and_agree_with_the_generator(tmp_path: Path):
    b = generate(16, root=tmp_path / "inboxes", workers=1, quiet=True)   # the smallest N that mixes in rejects
    assert {m["expected"] for m in b.submissions} == {"accepted", "rejected"}   # the generator mixes in invalid files
    # the naive path costs ≈ 1.6 s of GX per file: two rejected and two accepted files say what 16 would
    sample = ([m for m in b.submissions if m["expected"] == "rejected"][:2]
              + [m for m in b.submissions if m["expected"] == "accepted"][:2])
    subs = [m["path"] for m in sample]
    expected = {k: sum(m["expected"] == k for m in sample) for k in ("accepted", "rejected")}

    env = _env(tmp_path / "prefect-home", None)
    files = tmp_path / "files.json"
    files.write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")
    naive = _spawn(["naive", str(b.inbox), str(files), str(tmp_path / "naive-data"), str(b.config_path),
                    str(time.perf_counter())], env, tmp_path / "naive.log", timeout=600)
    assert naive["files"] == len(subs)
    assert naive["statuses"] == {k: v for k, v in expected.items() if v}

    files.write_text(json.dumps([str(b.inbox / p) for p in subs]), encoding="utf-8")
    raw = _spawn(["raw", str(files)], env, tmp_path / "raw.log", timeout=600)
    assert raw["files"] == len(subs) and raw["calamine_s"] > 0


def test_the_benchmarks_nightly_child_runs_and_its_verdicts_agree_with_the_generator(tmp_path: Path, prefect_harness):
    """`python -m bench.run` times the night through its nightly child; a rename in flows/ must not
    leave that child broken until someone runs the bench by hand."""
    b = generate(16, root=tmp_path / "inboxes", workers=1, quiet=True)
    expected = {k: sum(m["expected"] == k for m in b.submissions) for k in ("accepted", "rejected")}
    env = _env(tmp_path / "prefect-home", prefect_harness)
    got = _spawn(["nightly", str(b.inbox), str(tmp_path / "data"), str(b.config_path), str(time.perf_counter())],
                 env, tmp_path / "nightly.log", timeout=600)
    assert (got["counts"]["accepted"], got["counts"]["rejected"]) == (expected["accepted"], expected["rejected"])
    assert {"ingest", "consolidate", "publish", "snapshot"} <= set(got["stages"])
    cpu = got["cpu_s"]
    assert 0 < cpu["main_thread"] <= cpu["self"] and 0 <= cpu["system"] <= cpu["self"] + cpu["descendants"]
    # `--validator warm`: the same night validated in a GX process warmed first (`campaign nightly` beside serve)
    warm = _spawn(["nightly", str(b.inbox), str(tmp_path / "data-warm"), str(b.config_path), str(time.perf_counter()),
                   str(tmp_path / "outbox-warm"), "warm"], env, tmp_path / "nightly-warm.log", timeout=600)
    assert warm["counts"] == got["counts"]
    assert "validating in this process" not in (tmp_path / "nightly-warm.log").read_text(encoding="utf-8")
