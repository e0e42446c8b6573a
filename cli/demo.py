"""The built-in demo inbox (`campaign demo`): every registry unit sends realistic forms.

Deterministic: one `random.Random(seed)` draws everything in a fixed order, workbooks are
written with fixed zip timestamps and document properties, so the same seed gives the same
bytes (and sha256) on every run. File modification times are set to the footer dates.

What the inbox holds (unit roles are assigned by position in the registry, so a config with
other unit names still gets every case; the names below are the default registry's):

counties (附件1 + 附件2 + 附件3)
  田家庵区    clean workbook, 3 sheets; plus the Excel lock file ~$田家庵区.xlsx (not a submission)
  大通区      numbers typed as text ('12.00', '1,234.50', full-width '１２'), blanks as — / 无
  谢家集区    sheets renamed ('Sheet2', '附件1 统计表', 'Sheet1') and reordered (附件3, 附件1, 附件2)
  八公山区    every table offset by two blank rows and one blank column (title at B3)
  潘集区      first submission, then a corrected resubmission with a later footer date and mtime
              (one company added, one count fixed): the first is superseded
  凤台县      the three forms sent as three files
  寿县        an added row '其他：养生保健' in 重点领域 (注2), included in its 合计
  毛集实验区  a first draft with a wrong 合计 (SUM_MISMATCH, rejected), then the clean file
departments (附件1 + 附件2)
  市公安局            clean; the untouched blank 附件3 template left in the workbook (its blank
                      footer gives a FOOTER_DATE_MISSING warning)
  市市场监督管理局    a company name starting with '=HYPERLINK(' (text, never a formula): warning
  人行淮南市中心支行  clean
  淮南银监分局        a shared P2P name typed with a full-width space
  市商务局            a first file with 是否跨省 = 'Y' (ENUM_VALUE, rejected), then the clean file
  市旅游发展委员会    the clean file, then a truncated copy of a later edit (UNREADABLE_FILE, rejected)
  others              clean
documents (cli/demo_documents.py): most units send their 实施方案, 工作动态信息 and 总结报告 as
  .docx / .pdf / .doc / .wps / .txt; some send too few, late or a truncated PDF, 凤台县 and one
  department send none (verdict "document" in the manifest, with the kind it should be read as)
Several companies are reported by two or three units with spelling variants (淮南市 / 淮南
prefix, （） / (), a full-width space), one of them with figures that disagree.

`demo_manifest(config)` lists every file with its expected verdict and rule.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from campaign.forms import FORM1, FORM2, FORM3, Form
from cli.demo_documents import demo_documents
from publish.layout import write_form

CENT = Decimal("0.01")

# --------------------------------------------------------------------------------------
# vocabulary

_FILLERS = [("王磊", "wanglei"), ("李静", "lijing"), ("张伟", "zhangwei"), ("刘洋", "liuyang"),
            ("陈晨", "chenchen"), ("杨帆", "yangfan"), ("赵敏", "zhaomin"), ("黄俊", "huangjun"),
            ("周婷", "zhouting"), ("吴强", "wuqiang"), ("徐丽", "xuli"), ("孙浩", "sunhao"),
            ("马超", "machao"), ("朱琳", "zhulin"), ("胡斌", "hubin"), ("郭瑞", "guorui"),
            ("何芳", "hefang"), ("高鹏", "gaopeng"), ("林雪", "linxue"), ("罗军", "luojun")]

_PROBLEMS = ["超范围经营", "发布涉嫌非法集资广告资讯", "虚假宣传", "无办公场所和办公人员",
             "与注册登记不符", "设资金池", "自融", "承诺保本高收益"]
_MEASURES = ["警示约谈", "责令整改", "下发风险提示函", "行政处罚", "移送公安机关", "吊销营业执照",
             "约谈法定代表人"]
_REASONS = ["企业负责人失联", "跨区域经营需协调", "正在调查取证", "已移交属地处理", "涉案资产尚在清理"]
_F2_MEASURES = ["立案侦查、冻结账户", "行政处罚、督促清退", "下发风险提示函、约谈负责人", "责令停止违法集资行为",
                "移送公安机关", "约谈法定代表人、责令整改"]
_OUTCOMES = ["已立案侦查", "停业整改", "正在整改并正常营业", "已通报属地监管部门", "责令停止违法集资行为",
             "已通报2次，正在整改"]
_PROVINCES = ["江苏省", "河南省", "浙江省", "上海市", "山东省", "湖北省", "江西省"]

# (name core, industry, fundraising mode, internet) — combined with a prefix into unique names
_COMPANY_TYPES = [
    ("投资管理有限公司", "民间投融资中介", "居间撮合民间借贷，承诺固定收益", "线上线下相结合"),
    ("电子商务有限公司", "电子商务", "消费返利，消费满额全额返还", "线上"),
    ("农业科技发展有限公司", "农业", "认购种植基地份额，承诺年底分红", "线下"),
    ("种植农民专业合作社", "农民专业合作社", "以入股分红名义吸收社员以外资金", "线下"),
    ("健康管理咨询有限公司", "医疗保健", "销售保健品并承诺返本付息", "线下"),
    ("养老服务有限公司", "养老", "预售床位、会员卡，承诺高额回报", "线下"),
    ("信息咨询服务有限公司", "民间投融资中介", "代客理财，承诺月息2%", "线上线下相结合"),
    ("教育科技有限公司", "教育培训", "预收培训费并承诺高额返利", "线上线下相结合"),
    ("旅游开发有限公司", "旅游", "销售旅游卡、分时度假权益并承诺回购", "线下"),
    ("网络科技有限公司", "互联网金融", "虚拟货币挖矿合约，承诺日收益", "线上"),
    ("生物科技有限公司", "批发和零售", "加盟积分返利，发展下线", "线上线下相结合"),
    ("房地产营销策划有限公司", "房地产", "售后返租、承诺回购", "线下"),
    ("融资担保有限公司", "融资担保", "以担保名义向社会公众借款", "线下"),
    ("牧业有限公司", "畜牧养殖", "牲畜托管，承诺托管收益", "线下"),
]
_NAME_CORES = ["鑫源", "汇通", "恒信", "金穗", "福寿康", "聚宝", "盛世", "德润", "中天", "华盈", "惠民",
               "佳禾", "泰和", "宏运", "安康", "瑞祥", "富邦", "嘉诚", "银丰", "百川", "天润", "宝丰",
               "众联", "优品", "同创"]
_NAME_PREFIXES = ["淮南", "安徽", "淮南", "安徽省", "淮南"]

# companies reported by several units: (canonical name, variants used by later reporters, type)
_SHARED = [
    ("淮南汇金网络借贷信息中介服务有限公司",
     ["淮南市汇金网络借贷信息中介服务有限公司", "淮南汇金网络借贷\u3000信息中介服务有限公司"],
     ("网络借贷", "P2P网络借贷，承诺年化收益12%-15%", "线上")),
    ("安徽瑞丰农业科技有限公司（寿县分公司）", ["安徽瑞丰农业科技有限公司(寿县分公司)"],
     ("农业", "认购种植基地份额，承诺年底分红", "线下")),
    ("淮南鼎盛投资管理有限公司", ["淮南市鼎盛投资管理有限公司"],
     ("民间投融资中介", "居间撮合民间借贷，设资金池", "线上线下相结合")),
    ("安徽中鑫财富投资管理有限公司", ["安徽中鑫财富投资管理有限公司 "],
     ("私募股权投资", "私募基金份额拆分转让，承诺保本", "线上线下相结合")),
    ("淮南康乐居养老服务有限公司", ["淮南市康乐居养老服务有限公司"],
     ("养老", "预售床位、会员卡，承诺高额回报", "线下")),
]


# --------------------------------------------------------------------------------------
# the plan: every file of the inbox, its content and its expected verdict

@dataclass
class DemoFile:
    unit: str
    name: str
    verdict: str                      # accepted | superseded | rejected | ignored
    rule: str | None                  # the rule that decides it (rejections, supersession, lock)
    note: str
    date: dt.date | None              # footer date (also the file's mtime)
    forms: tuple[str, ...] = ()       # form codes inside (valid or not)
    warnings: tuple[str, ...] = ()    # warnings the file is expected to raise
    build: Callable[[], bytes] | None = field(default=None, repr=False)
    when: dt.datetime | None = None   # local modification time given to the file
    document_kind: str | None = None  # a document (verdict "document"): the kind it should be read as

    @property
    def relpath(self) -> str:
        return f"{self.unit}/{self.name}"


def _money(rng: random.Random, lo: float, hi: float) -> Decimal:
    return (Decimal(rng.randint(int(lo * 100), int(hi * 100))) / 100).quantize(CENT)


def _pick(rng: random.Random, words: list[str], lo: int = 1, hi: int = 3) -> str:
    return "、".join(rng.sample(words, rng.randint(lo, min(hi, len(words)))))


def _form1_rows(rng: random.Random, density: float, added: list[tuple[str, str]] = ()) -> list[dict[str, Any]]:
    """附件1 rows with consistent figures; `added` = (section, item) rows appended to a section."""
    specs = [(r.section, r.group, r.item) for r in FORM1.rows]
    for section, item in added:
        last = max(i for i, s in enumerate(specs) if s[0] == section)
        specs.insert(last + 1, (section, None, item))
    rows = []
    for section, grp, item in specs:
        screened = rng.randint(1, 28) if rng.random() < density else 0
        problems = rng.randint(1, min(screened, 8)) if screened and rng.random() < 0.55 else 0
        buckets = [0, 0, 0, 0]            # rectified, cleaned, prosecuted, unremediated
        for _ in range(problems):
            buckets[rng.choices(range(4), weights=(45, 25, 10, 20))[0]] += 1
        people = sum(rng.randint(8, 260) for _ in range(problems))
        amount = sum((_money(rng, 12, 900) for _ in range(problems)), Decimal(0))
        rows.append({
            "section": section, "grp": grp, "item": item,
            "screened": screened, "problem_count": problems,
            "main_problems": _pick(rng, _PROBLEMS) if problems else None,
            "people": people, "amount": amount,
            "measures": _pick(rng, _MEASURES) if problems else None,
            "rectified": buckets[0], "cleaned": buckets[1], "prosecuted": buckets[2], "unremediated": buckets[3],
            "unremediated_reason": rng.choice(_REASONS) if buckets[3] else None,
            "remarks": None,
        })
    return rows


def _company(rng: random.Random, name: str, industry: str, mode: str, internet: str,
             cross: bool | None = None) -> dict[str, Any]:
    amount = _money(rng, 60, 30000) if rng.random() < 0.35 else _money(rng, 40, 3000)
    people = rng.randint(20, 3000) if amount > 1000 else rng.randint(12, 600)
    if rng.random() < 0.25:
        refund, unpaid = "清退完毕，清退比例100.00%", Decimal("0.00")
    else:
        pct = Decimal(rng.randint(0, 9500)) / 100
        refund = f"正在清退，已清退{pct:.2f}%"
        unpaid = (amount * (100 - pct) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    cross = (rng.random() < 0.25) if cross is None else cross
    notice = None
    if cross:
        provinces = "、".join(rng.sample(_PROVINCES, rng.randint(1, 2)))
        notice = f"已向{provinces}通报风险线索{rng.randint(1, 3)}次"
    return {
        "company_name": name, "industry": industry, "fundraising_mode": mode, "internet": internet,
        "amount": amount, "people": people, "unpaid": unpaid, "cross_province": "是" if cross else "否",
        "measures": rng.choice(_F2_MEASURES), "refund_status": refund, "outcome": rng.choice(_OUTCOMES),
        "province_notice": notice if cross else "无", "remarks": None,
    }


class _Names:
    """Unique company names for the units' own (unshared) leads."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def draw(self) -> tuple[str, str, str, str]:
        while True:
            core = self.rng.choice(_NAME_CORES)
            suffix, industry, mode, internet = self.rng.choice(_COMPANY_TYPES)
            prefix = self.rng.choice(_NAME_PREFIXES)
            key = core + suffix
            if key not in self.used:
                self.used.add(key)
                return prefix + core + suffix, industry, mode, internet


def _form3_row(county: str, qualifies: bool, rng: random.Random) -> dict[str, Any]:
    if qualifies:
        return {"county": county, "criminal_cases": 0, "over_50_case": "否", "over_20_petition": "否", "remarks": None}
    cases = rng.randint(1, 5)
    return {"county": county, "criminal_cases": cases, "over_50_case": rng.choice(["是", "否"]),
            "over_20_petition": rng.choice(["否", "否", "是"]), "remarks": None}


# --------------------------------------------------------------------------------------
# messy-but-valid cell spellings

_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _messy_number(rng: random.Random, value: Any) -> Any:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        if value == 0:
            return rng.choice(["—", "/", "无", None, "—", 0])
        roll = rng.random()
        if roll < 0.3:
            return value
        if roll < 0.55:
            return f"{Decimal(value):.2f}"                       # '12.00'
        if roll < 0.75 and value >= 1000:
            return f"{Decimal(value):,.2f}"                      # '1,234.50'
        if roll < 0.9 and value == int(value):
            return str(int(value)).translate(_FULLWIDTH)         # '１２'
        return f"{Decimal(value):.2f}".translate(_FULLWIDTH) if roll >= 0.9 else f"{Decimal(value):.2f}"
    return value


def _messy_rows(rng: random.Random, rows: list[dict[str, Any]], form: Form) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        new = dict(row)
        for col in form.numeric_columns:
            new[col.name] = _messy_number(rng, row.get(col.name))
        out.append(new)
    return out


# --------------------------------------------------------------------------------------
# writing workbooks with stable bytes

@dataclass
class _Sheet:
    form: Form
    data: list[dict[str, Any]]
    title: str | None = None
    footer: dict[str, Any] | None = None
    origin: tuple[int, int] = (1, 1)
    totals: dict[str, Any] | None = None


def _workbook_bytes(sheets: list[_Sheet], author: str, when: dt.datetime) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.title or s.form.code)
        write_form(ws, s.form, s.data, footer=s.footer, origin=s.origin, totals=s.totals)
    wb.properties.creator = author
    wb.properties.lastModifiedBy = author
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    # re-stamp every zip member with the footer date: same seed, same bytes
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def _lock_file_bytes(owner: str) -> bytes:
    """An Excel owner file (~$name.xlsx): 165 bytes, user name in ANSI then UTF-16, not a workbook."""
    name = owner[:53]
    head = bytes([len(name)]) + name.encode("ascii") + b" " * (53 - len(name))
    tail = len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    data = head + b"\x00\x00" + tail
    return data + b"\x00" * (165 - len(data))


# --------------------------------------------------------------------------------------
# the plan

def _when(date: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours local time on the footer date (naive, local)."""
    return dt.datetime(date.year, date.month, date.day, rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59))


class _Plan:
    """The state every scenario draws on: one `random.Random` (drawn in a fixed order, so the same
    seed gives the same bytes), the units' figures and leads, and the files planned so far."""

    def __init__(self, config, seed: int):
        rng = self.rng = random.Random(seed)
        start, due = config.date("screening_start"), config.forms_due
        self.start, self.due = (due, start) if due < start else (start, due)
        self.names = _Names(rng)
        self.counties, self.departments = config.counties, config.departments
        self.units = self.counties + self.departments
        self.kinds = {u: "county" for u in self.counties} | {u: "department" for u in self.departments}
        self.fillers = {u: _FILLERS[i % len(_FILLERS)] for i, u in enumerate(self.units)}
        self.phones = {u: (f"0554-{rng.randint(2, 6)}{rng.randint(100000, 999999)}" if rng.random() < 0.7
                           else f"1{rng.choice([35, 39, 52, 58, 87])}{rng.randint(10000000, 99999999)}")
                       for u in self.units}
        self.leads = self._leads()
        added_unit = _at(self.counties, 6)
        self.form1 = {unit: _form1_rows(rng, 0.75 if self.kinds[unit] == "county" else 0.35,
                                        [(FORM1.sections[0], "其他：养生保健")] if unit == added_unit else [])
                      for unit in self.units}
        qualify = {_at(self.counties, i) for i in (1, 3, 4)} - {None}   # 附件3: 无非法集资区县 (0 cases, 否, 否)
        self.form3 = {u: [_form3_row(u, u in qualify, rng)] for u in self.counties}
        self.files: list[DemoFile] = []

    def day(self, back: int) -> dt.date:
        """A date `back` days before the due date, kept inside the screening window."""
        return max(self.start, min(self.due, self.due - dt.timedelta(days=back)))

    def _leads(self) -> dict[str, list[dict[str, Any]]]:
        """附件2 of every unit: the shared companies (by registry position), then its own."""
        counties, departments, rng = self.counties, self.departments, self.rng
        leads: dict[str, list[dict[str, Any]]] = {u: [] for u in self.units}
        for idx, reporters in _SHARE_PLAN:
            reporters = [u for u in (_at(counties if kind == "county" else departments, i) for kind, i in reporters) if u]
            if len(reporters) < 2:
                continue
            canonical, variants, (industry, mode, internet) = _SHARED[idx]
            base = _company(rng, canonical, industry, mode, internet, cross=idx in (0, 3))
            for k, unit in enumerate(reporters):
                row = dict(base)
                if k:
                    row["company_name"] = variants[(k - 1) % len(variants)]
                    if idx == 3:    # the two reports of 中鑫财富 disagree on the amount and people
                        row["amount"] = (base["amount"] * Decimal("1.2")).quantize(CENT)
                        row["unpaid"] = min(row["unpaid"], row["amount"])
                        row["people"] = base["people"] + rng.randint(10, 80)
                leads[unit].append(row)
        for unit in self.units:
            own = rng.randint(2, 5) if self.kinds[unit] == "county" else rng.randint(1, 3)
            for _ in range(own):
                name, industry, mode, internet = self.names.draw()
                leads[unit].append(_company(rng, name, industry, mode, internet))
            rng.shuffle(leads[unit])
        return leads

    def sheets_for(self, unit: str, date: dt.date, *, f1=None, f2=None, totals1=None, origin=(1, 1),
                   titles: dict[str, str] | None = None, order: tuple[str, ...] | None = None,
                   blank_form3: bool = False) -> list[_Sheet]:
        foot = {"filler": self.fillers[unit][0], "phone": self.phones[unit], "date": date}
        titles = titles or {}
        out = {
            "附件1": _Sheet(FORM1, f1 if f1 is not None else self.form1[unit], titles.get("附件1"), foot, origin, totals1),
            "附件2": _Sheet(FORM2, f2 if f2 is not None else self.leads[unit], titles.get("附件2"), foot, origin),
        }
        if self.kinds[unit] == "county":
            out["附件3"] = _Sheet(FORM3, self.form3[unit], titles.get("附件3"), foot, origin)
        elif blank_form3:
            out["附件3"] = _Sheet(FORM3, [{}], titles.get("附件3"), None, origin)
        return [out[code] for code in (order or tuple(out))]

    def add(self, unit: str, name: str, verdict: str, rule: str | None, note: str, date: dt.date | None,
            sheets: list[_Sheet] | None = None, warnings: tuple[str, ...] = (),
            raw: Callable[[], bytes] | None = None) -> None:
        when = _when(date, self.rng) if date else None
        author = self.fillers[unit][0]
        build = raw or (lambda s=sheets, a=author, w=when: _workbook_bytes(s, a, w))
        self.files.append(DemoFile(unit, name, verdict, rule, note, date,
                                   tuple(s.form.code for s in (sheets or [])), warnings, build, when))


def _at(seq: list[str], i: int) -> str | None:
    return seq[i] if i < len(seq) else None


# the companies several units report (index into _SHARED, reporters in order: the first uses the
# canonical name), by registry position
_SHARE_PLAN = [
    (0, [("county", 0), ("department", 0), ("department", 3)]),
    (1, [("county", 6), ("county", 5)]),
    (2, [("county", 2), ("department", 1)]),
    (3, [("county", 1), ("department", 2)]),
    (4, [("county", 3), ("department", 6)]),
]


# --------------------------------------------------------------------------------------
# the scenarios: what the unit at each registry position sends (the others send a clean file)

def _clean_with_lock_file(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None, "规范填报，三张表齐全 clean workbook, 3 sheets", date,
          p.sheets_for(unit, date))
    owner = p.fillers[unit][1]
    p.files.append(DemoFile(unit, f"~${unit}.xlsx", "ignored", "LOCK_FILE",
                            "Excel 锁定文件 Excel owner/lock file, not a workbook", None,
                            build=lambda o=owner: _lock_file_bytes(o), when=p.files[-1].when))


def _numbers_as_text(p: _Plan, unit: str, date: dt.date) -> None:
    messy1 = _messy_rows(p.rng, p.form1[unit], FORM1)
    sums = {s: sum((r["amount"] for r in p.form1[unit] if r["section"] == s), Decimal(0)) for s in FORM1.sections}
    totals = {s: {"amount": f"{v:,.2f}"} for s, v in sums.items()}   # 合计 typed as text too
    p.add(unit, f"{unit}.xlsx", "accepted", None,
          "数字以文本存储（'12.00'、'1,234.50'、全角'１２'），空值写作—、/、无 numbers as text, blank markers",
          date, p.sheets_for(unit, date, f1=messy1, f2=_messy_rows(p.rng, p.leads[unit], FORM2), totals1=totals))


def _sheets_renamed(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}风险排查.xlsx", "accepted", None,
          "工作表改名并重排（附件3、附件1、附件2） sheets renamed and reordered", date,
          p.sheets_for(unit, date, titles={"附件1": "附件1 统计表", "附件2": "Sheet1", "附件3": "Sheet2"},
                       order=("附件3", "附件1", "附件2")))


def _offset_tables(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None, "表格前有两行空行和一列空列（从B3开始） tables offset to B3",
          date, p.sheets_for(unit, date, origin=(3, 2)))


def _corrected_resend(p: _Plan, unit: str, date: dt.date) -> None:
    first = p.day(p.rng.randint(7, 10))
    later = min(max(date, first + dt.timedelta(days=p.rng.randint(3, 6))), p.due)
    early_f1 = [dict(r) for r in p.form1[unit]]
    fix = next((r for r in early_f1 if r["screened"] > r["problem_count"]), early_f1[0])
    fix["screened"] += 1 if fix["screened"] == fix["problem_count"] else -1   # fixed later
    early_f2 = p.leads[unit][:-1]                           # the company the correction adds
    p.add(unit, f"{unit}_{first:%Y%m%d}.xlsx", "superseded", "SUPERSEDED",
          "首次报送，数据有效，被更正版取代 first submission, valid, superseded", first,
          p.sheets_for(unit, first, f1=early_f1, f2=early_f2))
    p.add(unit, f"{unit}_{later:%Y%m%d}（更正）.xlsx", "accepted", None,
          "更正后重新报送：补报一家企业、更正排查机构数 corrected resubmission (later footer date)", later,
          p.sheets_for(unit, later))


def _three_files(p: _Plan, unit: str, date: dt.date) -> None:
    for sheet in p.sheets_for(unit, date):
        p.add(unit, f"{unit}_{sheet.form.code}.xlsx", "accepted", None,
              f"三张表分三个文件报送：{sheet.form.code} forms sent as separate files", date, [sheet])


def _added_row(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None,
          "重点领域增加一行“其他：养生保健”，合计含该行 added row in 重点领域", date, p.sheets_for(unit, date))


def _draft_with_wrong_total(p: _Plan, unit: str, date: dt.date) -> None:
    draft = p.day(p.rng.randint(8, 12))
    sums = sum((r["amount"] for r in p.form1[unit] if r["section"] == FORM1.sections[0]), Decimal(0))
    wrong = {FORM1.sections[0]: {"amount": sums + 100}}
    p.add(unit, f"{unit}_初稿.xlsx", "rejected", "SUM_MISMATCH",
          "附件1 重点领域合计的涉及金额比各行之和多100.00 重点领域 合计 amount off by 100.00", draft,
          p.sheets_for(unit, draft, totals1=wrong))
    final = min(p.due, max(date, draft + dt.timedelta(days=2)))
    p.add(unit, f"{unit}.xlsx", "accepted", None, "更正后的规范文件 the corrected clean file", final,
          p.sheets_for(unit, final))


def _clean_county(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None, "规范填报 clean", date, p.sheets_for(unit, date))


def _blank_form3_left_in(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None, "部门规范填报，附件3 空白模板 clean; blank 附件3 template left in",
          date, p.sheets_for(unit, date, blank_form3=True), warnings=("FOOTER_DATE_MISSING",))


_FORMULA_NAME = '=HYPERLINK("http://www.hn-jinfu.example","淮南金福理财咨询有限公司")'


def _formula_like_name(p: _Plan, unit: str, date: dt.date) -> None:
    f2 = list(p.leads[unit]) + [_company(p.rng, _FORMULA_NAME, "民间投融资中介", "代客理财，承诺月息2%", "线上")]
    p.add(unit, f"{unit}.xlsx", "accepted", None,
          "企业名称以“=HYPERLINK(”开头（文本，非公式） company name starting with '=' stored as text",
          date, p.sheets_for(unit, date, f2=f2), warnings=("FORMULA_LIKE_TEXT",))


def _wrong_yes_no_then_fixed(p: _Plan, unit: str, date: dt.date) -> None:
    bad_day = p.day(p.rng.randint(8, 12))
    bad = [dict(r) for r in p.leads[unit]]
    bad[0]["cross_province"] = "Y"
    p.add(unit, f"{unit}_{bad_day:%m%d}.xlsx", "rejected", "ENUM_VALUE",
          "附件2 第1行“是否跨省”填写为“Y” 是否跨省 = 'Y' in row 1", bad_day,
          p.sheets_for(unit, bad_day, f2=bad))
    good = min(p.due, max(date, bad_day + dt.timedelta(days=1)))
    p.add(unit, f"{unit}.xlsx", "accepted", None, "更正后的规范文件 the corrected clean file", good,
          p.sheets_for(unit, good))


def _truncated_later_edit(p: _Plan, unit: str, date: dt.date) -> None:
    short = "旅游委" if unit == "市旅游发展委员会" else unit
    p.add(unit, f"{short}.xlsx", "accepted", None, "部门规范填报 clean", date, p.sheets_for(unit, date))
    good = p.files[-1]
    later = min(p.due, date + dt.timedelta(days=2))
    p.add(unit, f"{short}（修改稿）.xlsx", "rejected", "UNREADABLE_FILE",
          "损坏文件：zip 被截断（只有前60%字节） truncated zip (first 60% of a workbook)", later,
          raw=lambda g=good: (lambda b: b[: len(b) * 6 // 10])(g.build()))
    p.files[-1].forms = ()


def _clean_department(p: _Plan, unit: str, date: dt.date) -> None:
    p.add(unit, f"{unit}.xlsx", "accepted", None, "部门规范填报 clean", date, p.sheets_for(unit, date))


# registry position -> scenario (the module docstring names them by the default registry's units);
# each unit's footer date is drawn first, then its scenario draws what it needs
COUNTY_SCENARIOS = {0: _clean_with_lock_file, 1: _numbers_as_text, 2: _sheets_renamed, 3: _offset_tables,
                    4: _corrected_resend, 5: _three_files, 6: _added_row, 7: _draft_with_wrong_total}
DEPARTMENT_SCENARIOS = {0: _blank_form3_left_in, 1: _formula_like_name, 4: _wrong_yes_no_then_fixed,
                        8: _truncated_later_edit}


def _plan(config, seed: int = 2018) -> list[DemoFile]:
    p = _Plan(config, seed)
    for i, unit in enumerate(p.counties):
        COUNTY_SCENARIOS.get(i, _clean_county)(p, unit, p.day(p.rng.randint(0, 9)))
    for i, unit in enumerate(p.departments):
        DEPARTMENT_SCENARIOS.get(i, _clean_department)(p, unit, p.day(p.rng.randint(0, 10)))
    for unit, name, kind, when, build, note in demo_documents(config):   # no draw from rng
        p.files.append(DemoFile(unit, name, "document", None, note or kind, when, build=build,
                                when=dt.datetime(when.year, when.month, when.day, 10, 0), document_kind=kind))
    return p.files


def demo_manifest(config, seed: int = 2018) -> list[dict[str, Any]]:
    """Every file write_demo_inbox writes: relative path, expected verdict, rule, footer date, forms."""
    return [{"path": f.relpath, "unit": f.unit, "file_name": f.name, "verdict": f.verdict, "rule": f.rule,
             "warnings": list(f.warnings), "footer_date": f.date, "forms": list(f.forms), "note": f.note,
             "document_kind": f.document_kind}
            for f in _plan(config, seed)]


def write_demo_inbox(inbox: Path, config, seed: int = 2018) -> list[Path]:
    """Write the demo inbox `<inbox>/<unit>/<file>` for every registry unit; return the written paths.

    Deterministic for a given seed and config. Existing files of the same names are replaced;
    nothing else in the inbox is touched. File mtimes are the footer dates (local working hours
    in the campaign time zone)."""
    inbox = Path(inbox)
    tz = ZoneInfo(config.timezone)
    written: list[Path] = []
    for unit in config.units:
        (inbox / unit).mkdir(parents=True, exist_ok=True)
    for f in _plan(config, seed):
        path = inbox / f.unit / f.name
        data = f.build()
        tmp = path.with_name(f".{path.name}.writing")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        if f.when is not None:
            ts = f.when.replace(tzinfo=tz).timestamp()
            os.utime(path, (ts, ts))
        written.append(path)
    return written
