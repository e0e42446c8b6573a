"""The one definition of the three forms of 淮处非〔2018〕1号 (附件1, 附件2, 附件3).

Rows, columns, Chinese labels as printed, English names, types and the 合计 (*) marks.
The parser, the expectations, the warehouse schema and the workbook writers all read this
module; nothing else spells out a form's layout.
"""
from __future__ import annotations

from dataclasses import dataclass

# Column kinds: how a cell is coerced and stored.
COUNT = "count"      # whole number of institutions / cases (个)         -> DECIMAL(18,2), must be whole
PEOPLE = "people"    # whole number of people (人)                        -> DECIMAL(18,2), must be whole
MONEY = "money"      # 万元, 2 decimals                                    -> DECIMAL(18,2)
TEXT = "text"        # free text                                          -> VARCHAR
CHOICE = "choice"    # one of a fixed set of answers                      -> VARCHAR
YESNO = "yesno"      # 是 / 否                                            -> BOOLEAN
SEQ = "seq"          # 序号: kept as text, not validated

NUMERIC_KINDS = (COUNT, PEOPLE, MONEY)
WHOLE_KINDS = (COUNT, PEOPLE)


@dataclass(frozen=True)
class Column:
    name: str                 # English name: frame column and warehouse column
    label: str                # header label as printed on the form (leaf of a two-row header)
    kind: str
    parent: str | None = None  # merged top header the label sits under (问题机构情况, ...)
    totalled: bool = False     # marked * in the 合计 row: the declared total is checked
    choices: tuple[str, ...] = ()
    required: bool = True      # the column must be found in the header

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Row:
    """A printed row of 附件1."""
    section: str              # 重点领域 / 重点行为
    group: str | None         # sub-group label (互联网金融行业企业, ...) or None
    item: str                 # row label as printed


@dataclass(frozen=True)
class Form:
    code: str                 # 附件1 / 附件2 / 附件3
    key: str                  # form1 / form2 / form3: table and suite names
    title: str                # title row: how a sheet is recognised
    unit_line: str | None     # 单位：... line under the title
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()        # fixed rows (附件1 only)
    sections: tuple[str, ...] = ()    # 附件1 sections, each followed by a 合计 row

    def __hash__(self) -> int:
        # forms key caches looked up per header cell and per row: hashing every Column of the form
        # each time was a tenth of the parse (equality stays by value)
        return hash(self.code)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def numeric_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.numeric)

    @property
    def totalled_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.totalled)

    def section_rows(self, section: str) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.section == section)


FOCUS_AREAS = "重点领域"
FOCUS_BEHAVIOURS = "重点行为"
TOTAL_LABEL = "合计"

_FORM1_ROWS = (
    Row(FOCUS_AREAS, None, "民间投融资中介机构"),
    Row(FOCUS_AREAS, "互联网金融行业企业", "网络借贷平台"),
    Row(FOCUS_AREAS, "互联网金融行业企业", "第三方支付"),
    Row(FOCUS_AREAS, "互联网金融行业企业", "众筹平台"),
    Row(FOCUS_AREAS, "资金密集型行业企业", "私募股权投资"),
    Row(FOCUS_AREAS, "资金密集型行业企业", "电子商务"),
    Row(FOCUS_AREAS, "资金密集型行业企业", "批发和零售"),
    Row(FOCUS_AREAS, "资金密集型行业企业", "房地产"),
    Row(FOCUS_AREAS, None, "各类涉农机构"),
    Row(FOCUS_AREAS, None, "教育机构"),
    Row(FOCUS_AREAS, None, "医疗机构"),
    Row(FOCUS_AREAS, None, "养老机构"),
    Row(FOCUS_AREAS, None, "旅行社等组织"),
    Row(FOCUS_AREAS, None, "辖内其它高风险行业企业"),
    Row(FOCUS_BEHAVIOURS, "各类“创新”型集资平台", "消费返利"),
    Row(FOCUS_BEHAVIOURS, "各类“创新”型集资平台", "资金互助"),
    Row(FOCUS_BEHAVIOURS, "各类“创新”型集资平台", "加盟积分"),
    Row(FOCUS_BEHAVIOURS, "各类“创新”型集资平台", "虚拟资产"),
    Row(FOCUS_BEHAVIOURS, "各类“创新”型集资平台", "牲畜托管"),
    Row(FOCUS_BEHAVIOURS, "打着国家政策旗号的集资行为", "假借“一带一路”"),
    Row(FOCUS_BEHAVIOURS, "打着国家政策旗号的集资行为", "假借“共享经济”"),
    Row(FOCUS_BEHAVIOURS, "打着国家政策旗号的集资行为", "假借“慈善”"),
    Row(FOCUS_BEHAVIOURS, None, "以弱势群体为主要目标的集资行为"),
    Row(FOCUS_BEHAVIOURS, None, "辖内其它风险突出的集资行为"),
)

FORM1 = Form(
    code="附件1",
    key="form1",
    title="涉嫌非法集资风险专项排查情况统计表",
    unit_line="单位：个、人、万元",
    sections=(FOCUS_AREAS, FOCUS_BEHAVIOURS),
    rows=_FORM1_ROWS,
    columns=(
        Column("screened", "排查机构数量", COUNT, totalled=True),
        Column("problem_count", "机构数量", COUNT, parent="问题机构情况", totalled=True),
        Column("main_problems", "主要问题", TEXT, parent="问题机构情况"),
        Column("people", "涉及人数", PEOPLE, parent="问题机构情况", totalled=True),
        Column("amount", "涉及金额", MONEY, parent="问题机构情况", totalled=True),
        Column("measures", "采取的主要措施", TEXT, parent="整治情况"),
        Column("rectified", "整改机构数量", COUNT, parent="整治情况", totalled=True),
        Column("cleaned", "清理机构数量", COUNT, parent="整治情况", totalled=True),
        Column("prosecuted", "立案查处的机构数量", COUNT, parent="整治情况", totalled=True),
        Column("unremediated", "机构数量", COUNT, parent="未整治情况", totalled=True),
        Column("unremediated_reason", "原因", TEXT, parent="未整治情况"),
        Column("remarks", "备注", TEXT, required=False),
    ),
    notes=(
        "注：1. 重点领域是指非法集资主体所属的行业，包括该行业内合法主体和打着本行业领域名义进行非法集资的情形。",
        "2. 如有表中未涉及的“重点领域”、“重点行为”，可另外添加。",
        "3. 主要问题中需择要列举排查出的问题，如超范围经营、发布涉嫌非法集资广告资讯、虚假宣传、无办公场所和办公人员或与注册登记不符、设资金池、自融等。",
        "4. 整改、清理包含拟整改、清理，正在整改、清理及整改、清理完毕等情形。",
        "5. 所有数字均保留小数点后 2 位。",
        "6. 合计栏标“*”的项目需统计合计数。",
    ),
)

INTERNET_CHOICES = ("线上", "线下", "线上线下相结合")
YES_NO = ("是", "否")
REFUND_STATES = ("正在清退", "清退完毕")

FORM2 = Form(
    code="附件2",
    key="form2",
    title="重点风险线索统计表",
    unit_line="单位：人、万元",
    columns=(
        Column("seq", "序号", SEQ, required=False),
        Column("company_name", "企业名称", TEXT, parent="风险情况"),
        Column("industry", "所属行业", TEXT, parent="风险情况"),
        Column("fundraising_mode", "集资模式", TEXT, parent="风险情况"),
        Column("internet", "是否通过互联网", CHOICE, parent="风险情况", choices=INTERNET_CHOICES),
        Column("amount", "涉及金额", MONEY, parent="风险情况", totalled=True),
        Column("people", "涉及人数", PEOPLE, parent="风险情况", totalled=True),
        Column("unpaid", "未兑付资金", MONEY, parent="风险情况", totalled=True),
        Column("cross_province", "是否跨省", YESNO, parent="风险情况", choices=YES_NO),
        Column("measures", "采取的工作措施", TEXT, parent="工作情况"),
        Column("refund_status", "资金清退情况", TEXT, parent="工作情况"),
        Column("outcome", "处理结果", TEXT, parent="工作情况"),
        Column("province_notice", "省际间风险通报情况", TEXT, parent="工作情况"),
        Column("remarks", "备注", TEXT, required=False),
    ),
    notes=(
        "注：1.“是否通过互联网”根据实际填写线上、线上或线上线下相结合，“是否跨省”填写是或否。",
        "2. “资金清退情况”填写正在清退或清退完毕，并写明清退比例。",
        "3. “处理结果”填写企业现状，如正在整改并正常营业、停业整改、通报次数等。",
        "4. “省际间风险通报情况”填写向哪些省通报风险线索、通报次数等。",
        "5.所有数字均保留小数点后 2 位。",
        "6.合计栏标“*”的项目需统计合计数。",
    ),
)

FORM3 = Form(
    code="附件3",
    key="form3",
    title="“无非法集资区、县”统计表",
    unit_line=None,
    columns=(
        Column("county", "区、县名称", TEXT),
        Column("criminal_cases", "今年非法集资刑事立案数", COUNT),
        Column("over_50_case", "是否存在本地常住人口参与非法集资刑事案件达50人以上的情况", YESNO, choices=YES_NO),
        Column("over_20_petition", "是否发生20人以上的本地集资参与人集访、闹访等影响社会稳定的事件", YESNO, choices=YES_NO),
        Column("remarks", "备注", TEXT, required=False),
    ),
    notes=(
        "注：1. “无非法集资区、县”需同时满足以下条件：2018 年 1 月 1 日至填表期间，该区、县内无非法集资刑事立案，本地常住人口中无一定规模的非法集资刑事案件（含本地和外地案件）参与人（50 人以上），本地集资参与人未发生 20 人以上集访、闹访等影响社会稳定的事件。",
        "2. 本表由各县区填报，市处非领导小组成员单位不需填报。",
    ),
)

FORMS: tuple[Form, ...] = (FORM1, FORM2, FORM3)
FORMS_BY_CODE = {f.code: f for f in FORMS}
FORMS_BY_KEY = {f.key: f for f in FORMS}
