"""SIGKILL in the middle of a publish: no half-written workbook is ever visible, the previous
latest.xlsx stays readable, and a rerun publishes what a clean run publishes."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import openpyxl

from tests.test_operations import contents, small_inbox


def readable_workbooks(publish_dir):
    """Every workbook where readers look (not dot-prefixed temporaries) must open."""
    names = sorted(p.name for p in publish_dir.glob("*.xlsx"))
    for name in names:
        openpyxl.load_workbook(publish_dir / name, read_only=True).close()
    return names


def test_kill_during_publish_then_rerun(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    from flows.nightly import nightly_flow
    from flows.publish import publish_flow

    data = tmp_path / "data"
    nightly_flow(inbox=str(small_inbox(tmp_path)), data_dir=str(data), date="2018-07-21")
    clean = contents(data)
    before = (data / "publish" / "latest.xlsx").read_bytes()

    driver = textwrap.dedent(f"""
        from flows.publish import publish_flow
        publish_flow(data_dir={str(data)!r}, date="2018-07-22")
        """)
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    rng = random.Random(int(os.environ.get("CRASH_SEED", "7")))
    for attempt in range(4):
        child = subprocess.Popen([sys.executable, "-c", driver], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + rng.uniform(2.0, 9.0)
        while time.monotonic() < deadline and child.poll() is None:
            readable_workbooks(data / "publish")          # a reader looking while it writes
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        names = readable_workbooks(data / "publish")
        assert "latest.xlsx" in names
        latest = (data / "publish" / "latest.xlsx").read_bytes()
        assert latest == before or openpyxl.load_workbook(data / "publish" / "latest.xlsx")

    # ops rerun the publish of that night; it is the same as the clean night's
    publish_flow(data_dir=str(data), date="2018-07-21")
    assert contents(data) == clean
