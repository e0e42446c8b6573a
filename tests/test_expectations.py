"""Each validation rule, failing and passing, through the real GX suites on real .xlsx bytes.

Every case below is one workbook. All of them are examined and then validated together, in one
batch per suite, as a night validates all its files: each test then reads its own workbook's
verdict. So the module costs one GX validation per suite, not one per case, and it also checks
that a batch attributes every failed row to the right submission (the cases' verdicts differ)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from expectations import background, build_suites
from expectations.runner import FormRows, queue, validate_here
from expectations.validate import validate
from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from transforms.submission import examine

CASES: dict[str, tuple] = {}   # case id -> (build() -> sheets or bytes, unit, file name)


def case(case_id: str, unit: str = "大通区", file_name: str = "报表.xlsx"):
    """Register a workbook builder as one case of the module's batch."""
    def register(build):
        CASES[case_id] = (build, unit, file_name)
        return build
    return register


@pytest.fixture(scope="module")
def batch(config) -> tuple[dict, dict[int, list]]:
    """Every case examined and queued: (the batches per suite, each case's parse issues)."""
    batches, issues = {}, {}
    for n, (case_id, (build, unit, file_name)) in enumerate(CASES.items()):
        sheets = build()
        data = workbook_bytes(sheets) if isinstance(sheets, dict) else sheets
        _, forms, found = examine(data, file_name, unit, config.unit_kind(unit), config.intake)
        issues[n] = list(found)
        queue(batches, n, unit, forms)
    return batches, issues


@pytest.fixture(scope="module")
def verdicts(batch, config) -> dict[str, tuple[set, set]]:
    """(errors, warnings) as sets of (rule, form, cell) for every case, all validated in one batch."""
    batches, parsed = batch
    issues = {n: list(found) for n, found in parsed.items()}
    for n, issue in validate(batches, float(config.sum_tolerance)):
        issues[n].append(issue)
    return {case_id: _rule_sets(issues[n]) for n, case_id in enumerate(CASES)}


def _rule_sets(issues) -> tuple[set, set]:
    """(errors, warnings) as sets of (rule, form, cell)."""
    return ({(i.rule, i.form, i.cell) for i in issues if i.severity == "error"},
            {(i.rule, i.form, i.cell) for i in issues if i.severity == "warning"})


def clean_sheets():
    return {"附件1": form1_grid(form1_values()),
            "附件2": form2_grid([company("安徽甲公司"), company("淮南乙公司", cross="是", notice="已向江苏省通报1次")]),
            "附件3": form3_grid("大通区")}


case("clean")(clean_sheets)


def test_clean_workbook_passes_every_rule(verdicts):
    assert verdicts["clean"] == (set(), set())


def test_suites_on_disk_match_the_generator():
    for name in build_suites.SUITES:
        on_disk = (build_suites.SUITES_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert on_disk == build_suites.render(name), f"suite {name} is stale: run python -m expectations.build_suites"


def _form1_with(**cells):
    """附件1 whose first row (民间投融资中介机构, sheet row 5) has the given values; totals follow the rows."""
    rows = form1_values()
    rows[0].update(cells)
    return rows


FORM1_VALUE_RULES = [
    ({"amount": "12.5万"}, "NON_NUMERIC", "H5"),
    ({"people": Decimal("-3")}, "NEGATIVE_VALUE", "G5"),
    ({"screened": Decimal("10.5")}, "NOT_WHOLE_NUMBER", "D5"),
    ({"screened": 1, "problem_count": 3, "rectified": 0, "unremediated": 0}, "PROBLEM_GT_SCREENED", "E5"),
    ({"problem_count": 1, "cleaned": 2, "unremediated": 0, "rectified": 0}, "MEASURE_GT_PROBLEM", "K5"),
]


def _form1_value_case(cells, rule):
    def build():
        sheets = clean_sheets()
        rows = _form1_with(**cells)
        # a non-numeric cell cannot be summed: declare the 合计 as the sum of the other rows
        sheets["附件1"] = form1_grid(rows, totals={"重点领域": {"amount": sum(Decimal(str(r["amount"])) for r in rows[1:14])}}
                                     if rule == "NON_NUMERIC" else None)
        return sheets
    return build


for _cells, _rule, _cell in FORM1_VALUE_RULES:
    case(f"form1:{_rule}")(_form1_value_case(_cells, _rule))


@pytest.mark.parametrize("rule, cell", [(r, c) for _, r, c in FORM1_VALUE_RULES])
def test_form1_value_rules(verdicts, rule, cell):
    errors, _ = verdicts[f"form1:{rule}"]
    assert (rule, "附件1", cell) in errors


@case("form1:sum-mismatch")
def _form1_sum_mismatch():
    return {**clean_sheets(), "附件1": form1_grid(form1_values(), totals={"重点行为": {"people": Decimal(99999)}})}


def test_form1_sum_mismatch_names_the_total_cell(verdicts):
    assert verdicts["form1:sum-mismatch"][0] == {("SUM_MISMATCH", "附件1", "G30")}


@case("form1:sum-within-tolerance")
def _form1_sum_within_tolerance():
    rows = form1_values()
    real = sum(Decimal(str(r["amount"])) for r in rows if r["section"] == "重点领域")
    return {**clean_sheets(), "附件1": form1_grid(rows, totals={"重点领域": {"amount": real + Decimal("0.004")}})}


def test_form1_sum_within_tolerance_passes(verdicts):
    assert verdicts["form1:sum-within-tolerance"][0] == set()


@case("form1:warnings")
def _form1_warnings():
    return {**clean_sheets(), "附件1": form1_grid(_form1_with(problem_count=2, main_problems=None, unremediated=1,
                                                               unremediated_reason=None, rectified=1))}


def test_form1_warnings_problems_without_text(verdicts):
    errors, warnings = verdicts["form1:warnings"]
    assert errors == set()
    assert {("MAIN_PROBLEMS_EMPTY", "附件1", "F5"), ("UNREMEDIATED_REASON_EMPTY", "附件1", "N5")} <= warnings


FORM2_RULES = [
    ({"cross": "Y"}, "ENUM_VALUE", "I5"),
    ({"internet": "网上"}, "ENUM_VALUE", "E5"),
    ({"unpaid": "150.00"}, "UNPAID_GT_AMOUNT", "H5"),
    ({"people": "10.5"}, "NOT_WHOLE_NUMBER", "G5"),
    ({"name": None}, "COMPANY_NAME_MISSING", "B5"),
]


def _form2_case(changes):
    def build():
        c = company(changes.get("name", "安徽甲公司"), **{k: v for k, v in changes.items() if k != "name"})
        return {**clean_sheets(), "附件2": form2_grid([c, company("淮南乙公司")])}
    return build


for _n, (_changes, _rule, _cell) in enumerate(FORM2_RULES):
    case(f"form2:{_n}")(_form2_case(_changes))


@pytest.mark.parametrize("n, rule, cell", [(n, r, c) for n, (_, r, c) in enumerate(FORM2_RULES)])
def test_form2_rules(verdicts, n, rule, cell):
    errors, _ = verdicts[f"form2:{n}"]
    assert (rule, "附件2", cell) in errors


@case("form2:duplicate")
def _form2_duplicate():
    return {**clean_sheets(), "附件2": form2_grid([company("淮南市鼎盛投资有限公司"), company("淮南鼎盛投资有限公司 ")])}


def test_form2_duplicate_company_after_normalisation(verdicts):
    errors, _ = verdicts["form2:duplicate"]
    assert ("DUPLICATE_COMPANY", "附件2", "B5") in errors and ("DUPLICATE_COMPANY", "附件2", "B6") in errors


@case("form2:sum-mismatch")
def _form2_sum_mismatch():
    return {**clean_sheets(), "附件2": form2_grid([company("甲"), company("乙")], total_override={"unpaid": Decimal("1")})}


def test_form2_sum_mismatch(verdicts):
    assert verdicts["form2:sum-mismatch"][0] == {("SUM_MISMATCH", "附件2", "H7")}


@case("form2:warnings")
def _form2_warnings():
    return {**clean_sheets(),
            "附件2": form2_grid([company("=HYPERLINK(\"http://x\",\"y\")", cross="是", notice=None, refund="还在退")])}


def test_form2_warnings(verdicts):
    errors, warnings = verdicts["form2:warnings"]
    assert errors == set()
    assert {("PROVINCE_NOTICE_MISSING", "附件2", "M5"), ("REFUND_FORMAT", "附件2", "K5"),
            ("FORMULA_LIKE_TEXT", "附件2", "B5")} <= warnings


FORM3_RULES = [
    ({"county": "寿县"}, "FORM3_WRONG_COUNTY"),
    ({"county": "大通区", "over50": "有"}, "ENUM_VALUE"),
    ({"county": "大通区", "cases": -1}, "NEGATIVE_VALUE"),
    ({"county": "大通区", "cases": 1.5}, "NOT_WHOLE_NUMBER"),
]


def _form3_case(kwargs):
    return lambda: {**clean_sheets(), "附件3": form3_grid(**kwargs)}


for _n, (_kwargs, _rule) in enumerate(FORM3_RULES):
    case(f"form3:{_n}")(_form3_case(_kwargs))


@pytest.mark.parametrize("n, rule", [(n, r) for n, (_, r) in enumerate(FORM3_RULES)])
def test_form3_rules(verdicts, n, rule):
    errors, _ = verdicts[f"form3:{n}"]
    assert rule in {e[0] for e in errors}


@case("form3:two-rows")
def _form3_two_rows():
    cells, merged = form3_grid("大通区")
    cells.insert(3, ["大通区", 0, "否", "否", None])
    return {**clean_sheets(), "附件3": (cells, merged)}


def test_form3_must_hold_one_row(verdicts):
    assert "FORM3_ROW_COUNT" in {e[0] for e in verdicts["form3:two-rows"][0]}


@case("form3:from-department", unit="市公安局")
def _form3_from_department():
    return {**clean_sheets(), "附件3": form3_grid("市公安局", over50="Y")}   # even invalid content: ignored, not validated


def test_department_form3_is_ignored_with_a_warning(verdicts):
    errors, warnings = verdicts["form3:from-department"]
    assert errors == set() and {w[0] for w in warnings} == {"FORM3_FROM_DEPARTMENT"}


@case("form3:department-blank-template", unit="市公安局")
def _form3_department_blank():
    return {**clean_sheets(), "附件3": form3_grid(None)}


def test_department_blank_form3_template_is_silent(verdicts):
    assert verdicts["form3:department-blank-template"] == (set(), set())


case("file:unknown-unit", unit="某某区")(lambda: workbook_bytes(clean_sheets()))
case("file:et", file_name="旧表.et")(lambda: workbook_bytes(clean_sheets()))
case("file:xls-name", file_name="旧表.xls")(lambda: workbook_bytes(clean_sheets()))
case("file:truncated")(lambda: (lambda data: data[: len(data) // 2])(workbook_bytes(clean_sheets())))


def test_whole_file_rules(verdicts):
    assert verdicts["file:unknown-unit"][0] == {("UNKNOWN_UNIT", None, None)}
    assert verdicts["file:et"][0] == {("UNSUPPORTED_FORMAT", None, None)}
    assert verdicts["file:xls-name"][0] == set()   # a workbook is read by its content, whatever its name
    assert verdicts["file:truncated"][0] == {("UNREADABLE_FILE", None, None)}


@case("every-problem-at-once")
def _every_problem():
    return {**clean_sheets(),
            "附件1": form1_grid(_form1_with(people=Decimal("-1")), totals={"重点行为": {"amount": Decimal(1)}}),
            "附件2": form2_grid([company("甲", cross="Y"), company("乙", unpaid="900.00")])}


def test_every_problem_is_reported_at_once(verdicts):
    errors, _ = verdicts["every-problem-at-once"]
    assert {e[0] for e in errors} == {"NEGATIVE_VALUE", "SUM_MISMATCH", "ENUM_VALUE", "UNPAID_GT_AMOUNT"}


def test_one_workbook_alone_gets_the_verdict_it_gets_in_the_batch(config, verdicts):
    """Batching changes nothing: a case validated on its own gives the same verdict."""
    build, unit, file_name = CASES["every-problem-at-once"]
    _, forms, issues = examine(workbook_bytes(build()), file_name, unit, config.unit_kind(unit), config.intake)
    batches = {}
    queue(batches, 0, unit, forms)
    issues += [i for _, i in validate(batches, float(config.sum_tolerance))]
    assert _rule_sets(issues) == verdicts["every-problem-at-once"]


def test_two_passes_find_what_one_complete_pass_finds(batch, config):
    """Pass/fail first, then the failing rows of the failed expectations only, GX shown only the columns
    the suite reads: the same findings, in the same order, as asking every expectation of every suite
    for its failing rows on the whole frame (its cell, sheet and bookkeeping columns included)."""
    from expectations import runner

    batches, _ = batch
    tolerance = float(config.sum_tolerance)
    one_pass = []
    for name, items in batches.items():
        frame = runner._combine(name, [i for i in items if i.records])
        gx_batch = runner._batch_definition(name).get_batch(batch_parameters={"dataframe": frame})
        complete = runner._run(gx_batch, runner._suite(name), "COMPLETE", tolerance)
        one_pass += runner._failed_rows(name, frame, runner._failures(complete))
    assert len({i.rule for _, i in one_pass}) >= 10   # the cases fail most rules
    assert validate_here(batches, tolerance) == one_pass


def test_a_batch_seen_before_is_answered_from_its_content_and_any_change_is_validated(batch, config, monkeypatch):
    """validate_here remembers recent batches by what GX saw (the suite's columns): the same values
    under the same suite and tolerance fail the same rows without GX, reported from this batch's own
    frame (its submission ids, sheets, cells); a changed value or another tolerance is validated again."""
    import dataclasses

    from expectations import runner

    batches, _ = batch
    tolerance = float(config.sum_tolerance)
    first = validate_here(batches, tolerance)
    gx_runs = []
    real = runner._validated
    monkeypatch.setattr(runner, "_validated", lambda *a: gx_runs.append(a[0]) or real(*a))
    assert validate_here(batches, tolerance) == first and gx_runs == []
    validate_here(batches, tolerance * 10)
    assert sorted(gx_runs) == sorted(n for n, items in batches.items() if any(i.records for i in items))
    gx_runs.clear()
    # other sheet names: no column GX reads, so no GX, but issues that name them
    renamed = {n: [dataclasses.replace(i, records=[{**r, "sheet": f"{r['sheet']}（改）"} for r in i.records])
                   for i in items] for n, items in batches.items()}
    again = validate_here(renamed, tolerance)
    assert gx_runs == [] and all(i.sheet.endswith("（改）") for _, i in again)
    assert [(s, dataclasses.replace(i, sheet=i.sheet.removesuffix("（改）"))) for s, i in again] == first
    # other submission ids: issues that name them (asked again where a suite reads them, e.g. 附件2's duplicates)
    renumbered = {n: [dataclasses.replace(i, submission=i.submission + 1000) for i in items] for n, items in batches.items()}
    assert [(s - 1000, i) for s, i in validate_here(renumbered, tolerance)] == first
    gx_runs.clear()
    form2 = [dataclasses.replace(i, records=[dict(r) for r in i.records]) for i in batches["form2"]]
    row = next(r for item in form2 for r in item.records if r.get("cross_province") == "是")
    row["cross_province"] = "Y"   # one cell changed: that suite is asked again, and finds it
    changed = validate_here({**batches, "form2": form2}, tolerance)
    assert gx_runs == ["form2"] and len(changed) == len(first) + 1
    assert any(i.rule == "ENUM_VALUE" and i.value == "Y" for _, i in changed if (_, i) not in first)


# --- the GX child process of a hand run (expectations.background) ---

def test_the_gx_child_process_finds_what_this_process_finds(batch, config):
    """Every case's batch validated in the child, as `campaign nightly` does: the same findings."""
    batches, _ = batch
    tolerance = float(config.sum_tolerance)
    with background.started() as child:
        assert child is not None and background.running() is child
        assert validate(batches, tolerance) == validate_here(batches, tolerance) != []
    assert background.running() is None   # stopped with the command


def test_a_dead_gx_child_leaves_the_validation_to_this_process(batch, config, caplog):
    batches, _ = batch
    tolerance = float(config.sum_tolerance)
    with background.started() as child:
        child._process.kill()   # as the kernel's OOM killer would
        child._process.join(5)
        assert validate(batches, tolerance) == validate_here(batches, tolerance)
        assert background.running() is None   # not asked again
    assert "validation process is gone" in caplog.text


def test_a_batch_the_gx_child_fails_on_is_validated_here_and_fails_loudly(caplog):
    """A bug of ours in a batch fails in the child, then again here, with its real traceback."""
    with background.started():
        with pytest.raises(KeyError, match="no_such_suite"):
            validate({"no_such_suite": [FormRows(0, "大通区", [{"x": 1}])]}, 0.005)
    assert "validation process failed (KeyError" in caplog.text
