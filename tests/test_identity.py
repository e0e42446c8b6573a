"""Company identity across units (issue 16): credit codes, candidate pairs, decisions, ledger merges.

The pure parts (checksum, name parts, candidates, union-find) are tested directly; the rest
through real workbooks, the real nightly and reprocess flows, a DuckDB file and the CLI."""
from __future__ import annotations

import random
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from tests.builders import company, drop, form2_grid, sheet, workbook_bytes
from transforms import credit_code as cc
from transforms.identity import Company, IdentitySettings, find_candidates, parse_name, resolve
from transforms.parse import parse_workbook
from transforms.text import company_key
from tests.helpers import cli, q

SETTINGS = IdentitySettings()


# --------------------------------------------------------------------------------------
# 统一社会信用代码

def make_code(rng: random.Random, region: str = "340400") -> str:
    """A valid code: 9 (工商) 1 (企业), the region, 9 organisation characters, our check character."""
    body = "91" + region + "".join(rng.choice(cc.CHARSET) for _ in range(9))
    return body + cc.check_char(body)


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43"])
def test_published_codes_pass_the_checksum(code):
    assert cc.is_valid(code) and cc.check_char(code[:17]) == code[17]


def test_generated_codes_valid_and_one_changed_character_invalid():
    rng = random.Random(16)
    for _ in range(200):
        code = make_code(rng)
        assert cc.is_valid(code) and cc.province_of(code) == "34"
        i = rng.randrange(18)
        other = rng.choice([ch for ch in cc.CHARSET if ch != code[i]])
        assert not cc.is_valid(code[:i] + other + code[i + 1:])     # a single typo is always caught
    assert not cc.is_valid("91340400MA2N0000O1")                    # O is not in the character set
    assert not cc.is_valid("9134040012345678")                      # too short


def _form2_with_codes(rows: list[tuple[dict, str | None]], label: str = "统一社会信用代码"):
    """附件2 as a unit sends it with an added credit-code column after 备注."""
    cells, merged = form2_grid([c for c, _ in rows])
    for r in cells:
        r.append(None)
    cells[2][-1] = label
    merged.append((2, len(cells[2]) - 1, 3, len(cells[2]) - 1))
    for i, (_, code) in enumerate(rows):
        cells[4 + i][-1] = code
    return cells, merged


def _parse(cells_merged):
    from transforms.grid import read_workbook
    data = workbook_bytes({"附件2": cells_merged})
    return parse_workbook(read_workbook(data, 10 ** 9, 10 ** 7)).forms[0]


def test_codes_read_from_added_column_name_and_remarks_with_invalid_flagged():
    rng = random.Random(2)
    good, other = make_code(rng), make_code(rng)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    in_name = company(f"淮南聚宝盆投资咨询有限公司（统一社会信用代码：{other}）")
    in_remarks = company("淮南恒利投资有限公司")
    in_remarks["remarks"] = None
    cells, merged = _form2_with_codes([(company("淮南鼎盛投资管理有限公司"), good), (company("安徽长盛农牧科技有限公司"), bad),
                                       (in_name, None), (in_remarks, None)], label="信用代码")
    cells[7][13] = f"负责人身份证340402198001011234，信用代码 {make_code(random.Random(9))}"   # 备注 of row 4
    pf = _parse((cells, merged))
    recs = pf.records
    assert recs[0]["credit_code"] == good and recs[0]["credit_code__cell"] == "O5"
    assert recs[1]["credit_code"] is None
    assert recs[2]["credit_code"] == other and recs[2]["company_key"] == "淮南聚宝盆投资咨询有限公司"   # code cut from the key
    assert recs[3]["credit_code"] == make_code(random.Random(9)) and recs[3]["credit_code__cell"] == "N8"
    invalid = [i for i in pf.issues if i.rule == "CREDIT_CODE_INVALID"]
    assert [(i.cell, i.value, i.severity) for i in invalid] == [("O6", bad, "warning")]   # the ID card number is not a code


def test_code_registered_in_another_province_contradicts_not_cross_province():
    from transforms.submission import FormRecord
    rng = random.Random(3)
    beijing, anhui = "91110000600037341L", make_code(rng)
    recs = [{"credit_code": beijing, "cross_province": "否", "cross_province__cell": "I5"},
            {"credit_code": beijing, "cross_province": "是", "cross_province__cell": "I6"},
            {"credit_code": anhui, "cross_province": "否", "cross_province__cell": "I7"}]
    found = cc.cross_province_issues([FormRecord("附件2", "附件2", None, None, None, recs, True)], "34")
    assert [(i.rule, i.cell, i.value) for i in found] == [("CREDIT_CODE_PROVINCE", "I5", beijing)]
    assert "北京市" in found[0].message


# --------------------------------------------------------------------------------------
# candidates

def _pairs(names: list[str], codes: dict[str, set[str]] | None = None) -> dict[frozenset, tuple]:
    comps = [Company(company_key(n), n, codes=frozenset((codes or {}).get(n, ()))) for n in names]
    return {frozenset((c.key_a, c.key_b)): (c.score, c.reason) for c in find_candidates(comps, SETTINGS)}


def _pair(a: str, b: str) -> frozenset:
    return frozenset((company_key(a), company_key(b)))


@pytest.mark.parametrize("a, b, why", [
    ("淮南聚宝盆投资咨询有限公司", "淮南聚宝盆投资咨询有限责任公司", "组织形式"),      # legal-form suffix
    ("安徽华安控股股份有限公司", "华安控股股份公司", "组织形式"),                      # 股份有限公司 = 股份公司
    ("淮南聚宝盆投资咨询公司", "淮南聚宝盆投资咨询有限公司", "组织形式"),             # 有限 dropped
    ("聚宝盆（淮南）投资咨询有限公司", "淮南聚宝盆投资咨询有限公司", "括号"),          # place in brackets
    ("淮南鼎盛投资管理有限公司", "安徽省淮南市鼎盛投资管理有限公司", "地名"),           # place prefixes
    ("安徽长盛农牧科技有限公司", "安徽长盛农牧科技有限公司（凤台）", "括号"),           # brackets
    ("淮南聚宝盆投资咨询有限公司", "淮南聚宝盆投资咨询有限公司。", "标点"),            # punctuation
    ("淮南聚宝盆投资咨询有限公司", "聚宝盆投资咨询服务有限公司", "行业用语"),           # 行业 word added
    ("安徽瑞丰农业科技有限公司", "安徽瑞丰农业科技有限公司寿县分公司", "分公司"),       # head and branch
])
def test_candidate_for_each_kind_of_variant(a, b, why):
    found = _pairs([a, b, "淮南鼎丰投资管理有限公司", "淮南市民政局"])
    assert _pair(a, b) in found
    score, reason = found[_pair(a, b)]
    assert SETTINGS.min_score <= score <= 100 and why in reason


def test_no_candidate_for_different_companies_of_one_trade():
    names = ["淮南鼎盛投资管理有限公司", "淮南鼎丰投资管理有限公司", "淮南鼎盛电子商务有限公司",
             "安徽瑞丰农业科技有限公司寿县分公司", "安徽瑞丰农业科技有限公司凤台分公司",
             "淮南鑫源嘉华投资管理有限公司", "淮南鑫源嘉豪投资管理有限公司", "淮南金穗种植农民专业合作社",
             "淮南金穗有限公司", "淮南康乐居养老服务有限公司", "淮南康乐养老服务有限公司"]
    assert _pairs(names) == {}


def test_no_candidate_between_two_different_valid_codes():
    rng = random.Random(5)
    a, b = "淮南聚宝盆投资咨询有限公司", "淮南聚宝盆投资咨询有限责任公司"
    assert _pairs([a, b], {a: {make_code(rng)}, b: {make_code(rng)}}) == {}


def test_name_parts():
    p = parse_name(company_key("安徽省淮南市汇金网络借贷信息中介服务有限责任公司（田家庵分公司）。"))
    assert (p.place, p.trade, p.industry, p.form, p.branch, p.punct) == \
        ("安徽省淮南市", "汇金", "网络借贷信息中介服务", "有限公司", "田家庵分公司", True)


def test_blocking_keeps_work_small():
    """Thousands of distinct names: only near-identical ones are ever compared (no pairs among them)."""
    rng = random.Random(7)
    chars = "鑫源汇通恒信金穗福寿康聚宝盛世德润中天华盈惠民佳禾泰和宏运安瑞祥富邦嘉诚银丰百川天宝众联优品同创"
    names = {"淮南" + "".join(rng.sample(chars, 4)) + "投资管理有限公司" for _ in range(3000)}
    assert len(find_candidates([Company(company_key(n), n) for n in names], SETTINGS)) == 0


# --------------------------------------------------------------------------------------
# groups

def test_union_find_is_transitive_and_stops_at_different():
    comps = [Company(k, k) for k in "ABCDE"]
    ident = resolve(comps, same=[("A", "B"), ("B", "C"), ("D", "E")], different=[("C", "D")])
    assert len({ident.ledger_key[k] for k in "ABC"}) == 1 and ident.ledger_key["D"] == ident.ledger_key["E"]
    assert ident.ledger_key["A"] != ident.ledger_key["D"]
    rng = random.Random(1)
    code = make_code(rng)
    comps = [Company("X", "X", codes=frozenset({code})), Company("Y", "Y", codes=frozenset({code})),
             Company("Z", "Z", codes=frozenset({code, make_code(rng)}))]
    ident = resolve(comps, [], [])
    assert ident.ledger_key["X"] == ident.ledger_key["Y"] != ident.ledger_key["Z"]   # Z: conflicting codes
    assert "Z" in ident.code_conflicts and "统一社会信用代码相同" in ident.how["X"]
    ident = resolve(comps, [], [("X", "Y")])                 # the office's word wins over a code
    assert ident.ledger_key["X"] != ident.ledger_key["Y"] and len(ident.refused) == 1


def test_settings_validated():
    from campaign.errors import InputError
    with pytest.raises(InputError, match="home_province"):
        IdentitySettings.from_raw({"home_province": 34})
    with pytest.raises(InputError, match="unknown keys"):
        IdentitySettings.from_raw({"min_scor": 80})


# --------------------------------------------------------------------------------------
# through the real flows: nightly, decisions, rerun, reprocess, CSV, credit codes

RNG = random.Random(16)
CODE_HENGLI = make_code(RNG)
CODE_X1, CODE_X2 = make_code(RNG), make_code(RNG)


def _inbox(inbox: Path) -> None:
    drop(inbox, "田家庵区", "田家庵区附件2.xlsx", workbook_bytes({"附件2": _form2_with_codes([
        (company("淮南聚宝盆投资咨询有限公司", "1000.00", 300, "800.00"), None),
        (company("淮南恒利投资有限公司", "500.00", 40, "100.00"), CODE_HENGLI),
        (company("淮南同名企业有限公司", "10.00", 2, "1.00"), CODE_X1),
        (company("淮南鼎盛投资管理有限公司", "30.00", 3, "0.00"), None)])}))
    drop(inbox, "大通区", "大通区附件2.xlsx", workbook_bytes({"附件2": _form2_with_codes([
        (company("淮南聚宝盆投资咨询有限责任公司", "1200.00", 250, "700.00"), None),
        (company("恒利投资（淮南）有限公司", "600.00", 45, "90.00"), CODE_HENGLI),     # another spelling, same code
        (company("淮南同名企业有限公司", "10.00", 2, "1.00"), CODE_X2),              # same name, another code
        (company("淮南鼎丰投资管理有限公司", "20.00", 2, "0.00"), None)])}))
    drop(inbox, "市公安局", "市公安局附件2.xlsx", workbook_bytes({"附件2": form2_grid([
        company("聚宝盆投资咨询有限公司。", "900.00", 320, "750.00", cross="是", notice="已向江苏省通报")])}))


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("data")
    _inbox(inbox)
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-25")
    return inbox, data


JUBAO = ("淮南聚宝盆投资咨询有限公司", "淮南聚宝盆投资咨询有限责任公司", "聚宝盆投资咨询有限公司。")


def test_candidates_listed_and_codes_merge(night):
    _, data = night
    cands = q(data / "campaign.duckdb", "SELECT key_a, key_b, decision, units_a, units_b, reason FROM company_candidates ORDER BY 1, 2")
    pairs = {frozenset(r[:2]) for r in cands}
    assert pairs == {frozenset(p) for p in [(JUBAO[0], JUBAO[1]), (JUBAO[0], JUBAO[2]), (JUBAO[1], JUBAO[2])]}
    assert all(r[2] == "open" for r in cands) and all(r[5] for r in cands)
    # same valid code, two spellings: one ledger company, the other key an alias
    rows = q(data / "campaign.duckdb",
             "SELECT company_key, n_units, aliases, credit_code, amount FROM risk_ledger WHERE credit_code = ?", [CODE_HENGLI])
    assert len(rows) == 1 and rows[0][1] == 2 and len(rows[0][2]) == 1 and rows[0][4] == D("600.00")
    assert q(data / "campaign.duckdb", "SELECT alias_key, how FROM company_aliases")[0][1].startswith("统一社会信用代码相同")
    assert q(data / "campaign.duckdb", "SELECT company_key, codes FROM credit_code_conflicts") == \
        [("淮南同名企业有限公司", sorted([CODE_X1, CODE_X2]))]


def test_open_candidates_on_the_sheet(night):
    """Before any decision the first night's workbook lists the open pairs in Chinese."""
    _, data = night
    wb = openpyxl.load_workbook(next((data / "publish").glob("summary_2018-07-25.xlsx")), read_only=True)
    cells = [c for r in wb["疑似同一企业"].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert "淮南聚宝盆投资咨询有限责任公司" in cells and any("组织形式写法不同" in c for c in cells)
    assert any("淮南同名企业有限公司" == c for c in cells)                     # the code conflict, for review


def test_same_decision_merges_ledger_and_survives_rerun_and_reprocess(night, tmp_path):
    from flows.nightly import nightly_flow
    from flows.reprocess import reprocess_flow

    inbox, data = night
    assert cli("match", "same", JUBAO[0], JUBAO[1], "--data-dir", str(data), "--by", "王科长")[0] == 0
    assert cli("match", "same", JUBAO[1], JUBAO[2], "--data-dir", str(data), "--by", "王科长")[0] == 0
    assert cli("match", "different", "淮南鼎盛投资管理有限公司", "淮南鼎丰投资管理有限公司", "--data-dir", str(data))[0] == 0
    # a contradicting decision is one line and exit 2
    assert cli("match", "different", JUBAO[0], JUBAO[2], "--data-dir", str(data))[0] == 2
    assert cli("match", "same", "淮南不存在有限公司", JUBAO[0], "--data-dir", str(data))[0] == 2

    def ledger():
        return q(data / "campaign.duckdb", "SELECT company_key, reporting_units, n_units, n_reports, amount, people, unpaid, "
                 "cross_province, disagreement, aliases FROM risk_ledger WHERE company_key LIKE '%聚宝盆%'")

    expected_units = sorted(["田家庵区", "大通区", "市公安局"])
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-26")       # the next consolidation
    for _ in range(2):
        rows = ledger()
        assert len(rows) == 1, rows
        key, units, n_units, n_reports, amount, people, unpaid, cross, disagree, aliases = rows[0]
        assert sorted(units) == expected_units and n_units == 3 and n_reports == 3
        assert (amount, people, unpaid) == (D("1200.00"), D("320.00"), D("800.00"))   # the largest of each
        assert cross is True and disagree is True
        assert sorted([key, *aliases]) == sorted(JUBAO)
        # each unit's own figures stay in risk_reports
        assert sorted(q(data / "campaign.duckdb", "SELECT unit, amount FROM risk_reports WHERE company_key LIKE '%聚宝盆%'")) == \
            sorted([("大通区", D("1200.00")), ("市公安局", D("900.00")), ("田家庵区", D("1000.00"))])
        assert q(data / "campaign.duckdb", "SELECT count(*) FROM company_candidates WHERE decision = 'open'") == [(0,)]
        assert {r[0] for r in q(data / "campaign.duckdb", "SELECT decided_by FROM match_decisions")} >= {"王科长"}
        reprocess_flow(data_dir=str(data))                                       # decisions untouched
        nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-27")

    # the workbook: the ledger sheet names the aliases; nothing open on 疑似同一企业
    wb = openpyxl.load_workbook(data / "publish" / "latest.xlsx", read_only=True)
    ledger_rows = [[c for c in r if c is not None] for r in wb["风险台账"].iter_rows(values_only=True)]
    merged_row = next(r for r in ledger_rows if any(isinstance(c, str) and "聚宝盆" in c and "、" in c for c in r))
    assert any(isinstance(c, str) and all(k in c for k in JUBAO if k not in merged_row) for c in merged_row)
    assert "疑似同一企业" in wb.sheetnames

    # CSV export -> import into another warehouse with the same reports: the same decisions
    out = tmp_path / "decisions.csv"
    assert cli("match", "export", str(out), "--data-dir", str(data))[0] == 0
    other = tmp_path / "other"
    nightly_flow(inbox=str(inbox), data_dir=str(other), date="2018-07-25")
    assert cli("match", "import", str(out), "--data-dir", str(other))[0] == 0
    decided = "SELECT key_a, key_b, decision, decided_by FROM match_decisions_current ORDER BY 1, 2"
    assert q(other / "campaign.duckdb", decided) == q(data / "campaign.duckdb", decided) and len(q(data / "campaign.duckdb", decided)) == 3
    assert cli("match", "import", str(out), "--data-dir", str(other))[0] == 0      # again: nothing new
    assert len(q(other / "campaign.duckdb", "SELECT * FROM match_decisions")) == 3
    excel = tmp_path / "decisions-excel.csv"   # edited in Excel on a Chinese Windows, saved as "CSV": GBK
    excel.write_bytes(out.read_text(encoding="utf-8-sig").encode("gbk"))
    assert cli("match", "import", str(excel), "--data-dir", str(other))[0] == 0
    assert len(q(other / "campaign.duckdb", "SELECT * FROM match_decisions")) == 3                 # the same keys, read right
