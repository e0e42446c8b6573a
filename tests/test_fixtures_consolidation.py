"""Acceptance over the shared fixture inbox: the nightly flow's views and workbook vs expected.json."""
from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from campaign.forms import FORM1
from tests.helpers import SHARED_FIXTURES, restore_mtimes


pytestmark = pytest.mark.skipif(not (SHARED_FIXTURES / "expected.json").exists(),
                                reason="shared fixtures (../shared/fixtures) not present")


@pytest.fixture(scope="module")
def fixture_run(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly_flow

    expected = json.loads((SHARED_FIXTURES / "expected.json").read_text(encoding="utf-8"))
    inbox = tmp_path_factory.mktemp("fixtures") / "inbox"
    shutil.copytree(SHARED_FIXTURES / "inbox", inbox)
    restore_mtimes(inbox.parent, expected["files"])
    data = tmp_path_factory.mktemp("fixture-data")
    result = nightly_flow(inbox=str(inbox), data_dir=str(data))
    return expected["consolidation"], expected["numeric_columns_form1"], result, data


@pytest.fixture()
def sql(fixture_run):
    from warehouse import db

    con = db.connect(db.warehouse_path(fixture_run[3]), read_only=True)
    yield lambda q: con.execute(q).fetchall()
    con.close()


@pytest.mark.parametrize("scope", ["counties", "departments"])
def test_city_stats_per_row(fixture_run, sql, scope):
    cons, labels, _, _ = fixture_run
    names = [c.name for c in FORM1.totalled_columns]            # same order as numeric_columns_form1
    got = {(r[0], r[1], r[2]): r[3:] for r in sql(
        f"SELECT section, grp, item, {', '.join(names)} FROM city_stats WHERE scope = '{scope}' AND NOT is_total")}
    want = cons["form1_totals_by_scope"][scope]
    assert set(got) == {(w["section"], w["group"], w["item"]) for w in want}
    for w in want:
        row = got[(w["section"], w["group"], w["item"])]
        for label, value in zip(labels, row):
            assert float(value) == pytest.approx(w["values"][label], abs=0.005), (scope, w["item"], label)


def test_ledger_companies_and_flags(fixture_run, sql):
    cons = fixture_run[0]
    ledger = {r[0]: r[1:] for r in sql("SELECT company_key, n_units, cross_province, reporting_units FROM risk_ledger")}
    assert len(ledger) == cons["distinct_companies"] == 35
    assert sql("SELECT count(*) FROM risk_reports") == [(cons["form2_rows"],)]
    assert set(ledger) == {c["name_normalised"] for c in cons["ledger"]}
    for c in cons["ledger"]:
        assert sorted(ledger[c["name_normalised"]][2]) == sorted(c["units"])
    assert {k for k, v in ledger.items() if v[0] >= 2} == set(cons["companies_reported_by_two_or_more_units"])
    assert {k for k, v in ledger.items() if v[1]} == set(cons["cross_province_companies"])


def test_qualifying_counties(fixture_run, sql):
    cons = fixture_run[0]
    assert {r[0] for r in sql("SELECT county FROM county_qualification WHERE qualifies")} == \
        set(cons["qualifying_no_illegal_fundraising_counties"])
    assert {r[0] for r in sql("SELECT county FROM county_qualification WHERE NOT reported")} == \
        set(cons["counties_without_accepted_form3"])


def test_published_workbook_opens_and_keeps_formula_text(fixture_run):
    from publish.workbook import SHEET_LEDGER, SHEET_REPORTS

    result, data = fixture_run[2], fixture_run[3]
    assert result.workbook.exists() and (data / "publish" / "latest.xlsx").exists()
    wb = openpyxl.load_workbook(result.workbook)
    for sheet in (SHEET_LEDGER, SHEET_REPORTS):
        cells = [c for row in wb[sheet].iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith("=HYPERLINK(")]
        assert cells, sheet
        assert all(c.data_type == "s" for c in cells)
