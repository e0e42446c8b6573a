"""Acceptance: `campaign ingest` over a copy of ../shared/fixtures/inbox gives every file the
verdict in ../shared/fixtures/expected.json (computed independently of this parser)."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.helpers import SHARED_FIXTURES, restore_mtimes

pytestmark = pytest.mark.skipif(not (SHARED_FIXTURES / "expected.json").exists(),
                                reason="../shared/fixtures is not beside this checkout")


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory, prefect_harness):
    from cli.main import main

    expected = json.loads((SHARED_FIXTURES / "expected.json").read_text(encoding="utf-8"))
    root = tmp_path_factory.mktemp("fixtures")
    shutil.copytree(SHARED_FIXTURES / "inbox", root / "inbox")
    restore_mtimes(root, expected["files"])
    # as the `campaign` command runs it: validated in the GX child process (expectations.background)
    assert main(["ingest", "--inbox", str(root / "inbox"), "--data-dir", str(root / "data")], gx_child=True) == 0
    con = duckdb.connect(str(root / "data" / "campaign.duckdb"), read_only=True)
    yield expected, con
    con.close()


def test_every_file_gets_its_expected_verdict(fixture_run):
    expected, con = fixture_run
    got = {f"inbox/{p}": (status, current) for p, status, current in
           con.execute("SELECT inbox_path, status, is_current FROM submissions").fetchall()}
    issues = con.execute("SELECT inbox_path, rule, severity FROM validation_issues JOIN received_files "
                         "USING (unit, sha256)").fetchall()
    skipped = dict(con.execute("SELECT 'inbox/' || inbox_path, reason FROM inbox_skips").fetchall())
    for f in expected["files"]:
        path, verdict = f["path"], f["verdict"]
        errors = {r for p, r, s in issues if f"inbox/{p}" == path and s == "error"}
        warnings = {r for p, r, s in issues if f"inbox/{p}" == path and s == "warning"}
        if verdict == "ignored":
            assert path not in got and skipped.get(path) == f["rule"], path
            continue
        status, current = got[path]
        if verdict == "accepted":
            assert (status, current, errors) == ("accepted", True, set()), path
        elif verdict == "superseded":
            assert (status, current, errors) == ("accepted", False, set()), path
        else:
            assert status == "rejected" and not current and errors == {f["rule"]}, (path, errors)
        assert warnings == set(f["warnings"]), (path, warnings)


def test_current_data_matches_expected_consolidation_inputs(fixture_run):
    expected, con = fixture_run
    c = expected["consolidation"]
    latest = {k: f"inbox/{v}" for k, v in con.execute(
        "SELECT unit || '|' || form, inbox_path FROM current_forms").fetchall()}
    assert latest == c["latest_file_per_unit_form"]
    assert con.execute("SELECT count(*), count(DISTINCT company_key) FROM form2_rows JOIN current_forms c "
                       "USING (unit, sha256) WHERE c.form = '附件2'").fetchone() == (c["form2_rows"], c["distinct_companies"])
    names = {"排查机构数量": "screened", "问题机构数量": "problem_count", "涉及人数": "people", "涉及金额": "amount",
             "整改机构数量": "rectified", "清理机构数量": "cleaned", "立案查处的机构数量": "prosecuted",
             "未整治机构数量": "unremediated"}
    for scope, kind in (("counties", "county"), ("departments", "department")):
        for row in c["form1_totals_by_scope"][scope]:
            cols = ", ".join(f"sum({v})" for v in names.values())
            got = con.execute(f"SELECT {cols} FROM unit_stats WHERE unit_kind = ? AND section = ? AND item = ?",
                              (kind, row["section"], row["item"])).fetchone()
            if row["item"] == "合计":
                got = con.execute(f"SELECT {cols} FROM unit_stats WHERE unit_kind = ? AND section = ?",
                                  (kind, row["section"])).fetchone()
            want = [row["values"][k] for k in names]
            assert [float(g or 0) for g in got] == pytest.approx(want, abs=0.005), (scope, row["item"])
