"""What a clerk reads about a problem: Chinese only, naming the form, the column by its printed
label, the row and the cell. Rule codes stay in their own column, for ops.

RULES is the one mapping rule code -> (what is wrong, what is expected) in words; the stored
message (Chinese, then English) only adds the specifics of one finding."""
from __future__ import annotations

import re
from typing import Any, Mapping

from campaign.forms import FORMS_BY_CODE
from transforms.formats import request

# rule code -> (问题, 应当怎样)
RULES: dict[str, tuple[str, str]] = {
    "UNREADABLE_FILE": ("文件无法作为 Excel 工作簿打开（文件损坏、为空，或并非表格文件）。",
                        "请用 Excel 或 WPS 打开确认无误后另存为 .xlsx，再重新报送。"),
    "UNSUPPORTED_FORMAT": ("文件格式不受理。", "请用 Excel 或 WPS 另存为 .xlsx 格式后重新报送。"),
    "UNKNOWN_UNIT": ("文件没有放在报送单位名单中的单位文件夹里。", "请把文件放入本单位的文件夹后重新报送。"),
    "ENCRYPTED_FILE": ("工作簿设置了打开密码，无法读取。", "请取消密码后重新报送。"),
    "FILE_TOO_LARGE": ("文件过大，超过受理上限。", "请删除与报表无关的内容（图片、附件等）后重新报送。"),
    "SHEET_TOO_LARGE": ("工作表中表格以外有多余内容，表格范围过大。", "请删除表格以外的多余内容后重新报送。"),
    "XML_ENTITIES": ("文件内部结构异常，不像是 Excel 或 WPS 正常保存的文件。", "请用 Excel 或 WPS 重新保存后报送。"),
    "NO_FORMS": ("文件中找不到附件1、附件2或附件3（按表格标题识别）。",
                 "请使用淮处非〔2018〕1号通知所附表格（保留表格标题）填报。"),
    "DUPLICATE_FORM": ("同一文件中同一张表出现了不止一次。", "每张表只保留一份后重新报送。"),
    "MISSING_HEADER": ("找到了表格标题，但找不到表头。", "请保留通知所附表格的表头（栏目名称）。"),
    "MISSING_COLUMN": ("表头中缺少栏目。", "请按通知所附表格保留全部栏目，栏目名称不要改动。"),
    "ROW_LABEL_MISSING": ("该行填了数字，但没有行名称。", "请在该行填写所属的重点领域或重点行为名称。"),
    "DUPLICATE_ROW": ("同一项目行出现了两次。", "每个项目只填一行，请合并后重新报送。"),
    "NON_NUMERIC": ("应填数字的单元格填写了文字。", "请只填写数字（金额以万元为单位，如 12.50），不要写“万”“元”“约”等字。"),
    "NEGATIVE_VALUE": ("数字为负数。", "请填写不小于 0 的数字。"),
    "NOT_WHOLE_NUMBER": ("机构数、人数、案件数带有小数。", "请填写整数。"),
    "VALUE_TOO_LARGE": ("数字过大，疑似填错（如把证件号码填进了金额栏）。", "请核对后填写正确的数字。"),
    "SUM_MISMATCH": ("合计数与上面各行相加之和不一致（隐藏的行、自行添加的行也计算在内）。",
                     "请把合计改为各行之和（相差不超过 0.005）。"),
    "PROBLEM_GT_SCREENED": ("问题机构数量大于排查机构数量。", "问题机构数量不能超过排查机构数量。"),
    "MEASURE_GT_PROBLEM": ("整改、清理、立案查处或未整治机构数量大于问题机构数量。", "这些数量均不能超过问题机构数量。"),
    "ENUM_VALUE": ("填写的内容不在规定的选项中。", "请从下拉选项中选择（是否通过互联网：线上、线下、线上线下相结合；其余：是、否）。"),
    "UNPAID_GT_AMOUNT": ("未兑付资金大于涉及金额。", "未兑付资金不能超过涉及金额。"),
    "COMPANY_NAME_MISSING": ("该行填了内容，但企业名称未填写。", "请填写企业名称。"),
    "DUPLICATE_COMPANY": ("同一企业在本表中出现了两次以上（忽略空格、全半角后名称相同）。", "同一企业只填一行，请合并后重新报送。"),
    "FORM3_WRONG_COUNTY": ("“区、县名称”未填写，或与报送单位不一致。", "请填写本区、县的名称。"),
    "FORM3_ROW_COUNT": ("附件3 应只有一行（本区、县）。", "请只保留本区、县一行。"),
    "FORM3_FROM_DEPARTMENT": ("市直部门不需填报附件3，附件3 内容未采用。", "无需处理；以后报送可不附附件3。"),
    "FORMULA_NO_CACHED_VALUE": ("单元格中是公式，但文件保存时没有计算结果。",
                                "请用 Excel 或 WPS 打开文件后保存一次，或把公式改为数值后重新报送。"),
    "FORMULA_LIKE_TEXT": ("文字以 = + - @ 开头，系统按文字原样保存，不会当作公式计算。", "如确是文字，无需处理。"),
    "INTERNAL_ERROR": ("系统处理该文件时出错，不是贵单位的问题。", "运维人员会处理；如急需，请联系市处非办。"),
    "MAIN_PROBLEMS_EMPTY": ("有问题机构，但“主要问题”未填写。", "请择要列举排查出的问题（注3）。"),
    "UNREMEDIATED_REASON_EMPTY": ("有未整治机构，但未整治“原因”未填写。", "请填写未整治的原因。"),
    "PROVINCE_NOTICE_MISSING": ("跨省企业未填写“省际间风险通报情况”。", "请填写向哪些省通报了风险线索、通报次数等（注4）。"),
    "REFUND_FORMAT": ("“资金清退情况”未按要求填写。", "请填写“正在清退”或“清退完毕”，并写明清退比例（如：正在清退，已清退30%）。"),
    "EXCESS_PRECISION": ("数字超过 2 位小数，已按四舍五入保留 2 位。", "所有数字保留小数点后 2 位（注5）。"),
    "FOOTER_DATE_MISSING": ("表格落款缺少填报日期（年 月 日）。", "请填写落款日期；多次报送时以落款日期确定最新文件。"),
    "ROW_MISSING": ("表中缺少通知所列的固定行，缺少的行按 0 计。", "请保留附件1 的全部固定行。"),
    "TOTAL_ROW_MISSING": ("缺少合计行，未能核对合计数。", "请保留合计行并填写合计数。"),
    "ROW_OUTSIDE_TABLE": ("两个合计行之后还有数据行，未计入。", "请把该行移到所属部分的合计行之前。"),
    "FORM_BLANK": ("附件3 是空白表，视为未报送附件3。", "请填写附件3 后重新报送。"),
    "MONEY_UNIT": ("金额没有按万元填报（单位行或表头写的是元、千元或亿元）。",
                   "请把金额换算为万元、保留2位小数（注5），把单位改为“万元”后重新报送；系统不会自动换算。"),
    "PEOPLE_UNIT": ("涉及人数没有按“人”填报（写的是万人或千人）。", "请换算为人数、填写整数后重新报送。"),
    "AMOUNT_PER_PERSON_HIGH": ("人均涉及金额明显偏高，疑似金额按元填写或人数按万人填写。",
                               "请核对该行的涉及金额（万元）和涉及人数（人）；如确实无误，无需处理。"),
    "DOCUMENT_KIND_UNSURE": ("从文件名和标题看不出是实施方案、工作动态信息还是总结报告，暂按“其他”登记。",
                             "无需处理：市处非办将核定类别；以后报送请在标题或文件名中写明材料类别。"),
    "DOCUMENT_EMPTY": ("材料中没有可读取的文字（可能是扫描件），按文件名登记，按收到日期计。",
                       "无需处理；如方便，请同时报送可编辑的文字版本。"),
    "DOCUMENT_UNREADABLE": ("材料无法读取（文件损坏或不完整）。", "请用 WPS 打开确认后重新保存再报送。"),
    "DOCUMENT_TOO_LONG": ("材料页数过多，未读取。", "请只报送本次要求的材料正文。"),
    "OFFICE_DECISION": ("已按本办的核对结果处理。", "无需处理；如需改变判定，在下一次的待核对工作簿中重新选择即可。"),
    "OFFICE_DECISION_REFUSED": ("该行未处理（所填的值不是可选项，或与已有判定矛盾）。", "请在下一次的待核对工作簿中重新选择。"),
    "OFFICE_DECISION_OPEN": ("未填写的行保持待核对。", "核对后在下一次的待核对工作簿中选择即可。"),
    "OFFICE_REVIEW_UNREADABLE": ("文件不是系统生成的待核对工作簿，或无法打开。", "请在当晚的待核对工作簿中填写后另存，放入本办的文件夹。"),
    "TITLE_MISSING": ("工作表没有表格标题，系统按表头识别了这张表。", "以后报送请保留通知所附表格的标题。"),
    "SHEET_NOT_RECOGNISED": ("文件中有一张表不是附件1、附件2或附件3，未读取。",
                             "如它是其中一张，请改用通知所附表格的标题后重新报送；否则无需处理。"),
}

SEVERITY_ZH = {"error": "错误（文件退回）", "warning": "提示（不影响受理）"}
SEVERITY_SHORT = {"error": "错误", "warning": "提示"}

# English after the Chinese: "…。 Sentence." — the stored message is bilingual for ops
_SENTENCE_END = re.compile(r"(?<=[。！？）)])\s+")
_ENGLISH = re.compile(r"[A-Za-z]{2,}[^\u4e00-\u9fff]{1,3}[A-Za-z]{2,}")
# "不一致（…，容差0.005）": the tolerance is what the sums were allowed to differ by; they differ by more
_JARGON = ((re.compile(r"[，,]?\s*容差\s*0?\.005"), "，相差超过0.005"),)


def chinese_part(message: Any) -> str:
    """The Chinese sentence(s) of a stored message, the English tail dropped."""
    text = "" if message is None else str(message).strip()
    cut = text
    for m in _SENTENCE_END.finditer(text):
        if _ENGLISH.search(text, m.end()):
            cut = text[:m.start()]
            break
    for pattern, repl in _JARGON:
        cut = pattern.sub(repl, cut)
    return cut.strip()


def rule_words(rule: Any) -> tuple[str, str]:
    """(what is wrong, what is expected) for a rule code; a code nobody mapped yet reads plainly."""
    return RULES.get(str(rule), ("数据不符合填报要求。", "请核对后重新报送。"))


def expected(issue: Mapping[str, Any]) -> str:
    """What the clerk should do about one finding: the rule's request, except where it depends on
    the file — a file not taken (UNSUPPORTED_FORMAT) by what it is (transforms/formats.py): an
    archive is unpacked and its files sent one by one, never “resave as .xlsx”."""
    if str(issue.get("rule")) == "UNSUPPORTED_FORMAT":
        value = str(issue.get("value") or "").strip().lower()
        suffix = value if value.startswith(".") else ("." + value.rsplit(".", 1)[-1] if "." in value else "")
        return request(suffix)[0] + "。"
    if str(issue.get("rule")) == "ENUM_VALUE" and (column := enum_column(issue)) is not None:
        return f"请从下拉选项中选择“{column.label}”：{'、'.join(column.choices)}。"
    return rule_words(issue.get("rule"))[1]


def enum_column(issue: Mapping[str, Any]):
    """The form column (with its choices) an ENUM_VALUE finding is about: named in its message
    (“是否跨省”只能填写…), else None."""
    form = FORMS_BY_CODE.get(str(issue.get("form")))
    message = str(issue.get("message") or "")
    if form is None:
        return None
    return next((c for c in form.columns if c.choices and f"“{c.label}”" in message), None)


_FIGURES = re.compile(r"^\s*[^=,，\s]+\s*=\s*-?[\d.]+(?:\s*[,，]\s*[^=,，\s]+\s*=\s*-?[\d.]+)*\s*$")
_PAIR = re.compile(r"([^=,，\s]+)\s*=\s*(-?[\d.]+)")
_UNITS = {"money": "万元", "people": "人", "count": "个"}


def _label_of(name: str) -> tuple[str, str | None, str]:
    """(printed label, unit, kind) of a form column's English name; other names as they are."""
    for form in FORMS_BY_CODE.values():
        for col in form.columns:
            if col.name == name:
                label = col.label
                if label == "机构数量" and col.parent:        # 问题机构数量, 未整治机构数量
                    label = col.parent.removesuffix("情况").removesuffix("机构") + label
                return label, _UNITS.get(col.kind), col.kind
    return name, None, ""


def _number(text: str, kind: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    if kind in ("people", "count") and v.is_integer():
        return str(int(v))
    return f"{v:,.2f}"


def value_text(issue: Mapping[str, Any]) -> str | None:
    """What was filled in, as a clerk reads it: the stored finding's figures ('amount=162.68,
    unpaid=212.68') become words with units ('涉及金额 162.68 万元，未兑付资金 212.68 万元');
    anything else (the text of a cell) is shown as it is."""
    value = issue.get("value")
    if value is None or value != value:
        return None
    text = str(value)
    if not _FIGURES.match(text):
        return text
    pairs = _PAIR.findall(text)
    parts = []
    for name, raw in pairs:
        label, unit, kind = _label_of(name.strip())
        parts.append(f"{label} {_number(raw.strip(), kind)}{' ' + unit if unit else ''}")
    return "，".join(parts)


def given(value: Any) -> bool:
    """A value that was given: not None, not empty, not pandas' missing marker (NaN from a frame)."""
    return value is not None and value != "" and not (isinstance(value, float) and value != value)


def form_name(code: Any) -> str:
    """'附件2《重点风险线索统计表》' (or what was given; nothing for a finding about no form)."""
    if not given(code):
        return ""
    form = FORMS_BY_CODE.get(str(code))
    return f"{form.code}《{form.title}》" if form else str(code)


def explanation(issue: Mapping[str, Any]) -> str:
    """The problem in words: the finding's own Chinese message (its specifics), else — or when
    it still quotes a library's English (an exception's text) — the rule's."""
    own = chinese_part(issue.get("message"))
    if not own or _ENGLISH.search(own.replace("Excel", "").replace("WPS", "")):
        return rule_words(issue.get("rule"))[0]
    return own


def where_text(issue: Mapping[str, Any], place: Mapping[str, Any] | None = None) -> str:
    """'附件2《重点风险线索统计表》，“安徽甲公司”一行，“涉及金额”栏，工作表“附件2”单元格 G6'."""
    place = place or {}
    parts = []
    if given(issue.get("form")):
        parts.append(form_name(issue.get("form")))
    if place.get("row"):
        parts.append(f"“{place['row']}”一行")
    if place.get("column"):
        parts.append(f"“{place['column']}”栏")
    sheet, cell = (v if given(v) else None for v in (issue.get("sheet"), issue.get("cell")))
    if sheet and cell:
        parts.append(f"工作表“{sheet}”单元格 {cell}")
    elif sheet:
        parts.append(f"工作表“{sheet}”")
    elif cell:
        parts.append(f"单元格 {cell}")
    return "，".join(parts) or "整个文件"


def sentence(issue: Mapping[str, Any], place: Mapping[str, Any] | None = None) -> str:
    """One line a clerk can act on: where, what, what was found, what is expected."""
    found = issue.get("value")
    found_text = f"填写的是“{found}”。" if found not in (None, "") else ""
    return f"{where_text(issue, place)}：{explanation(issue)}{found_text}{expected(issue)}"


def office_line(office: Mapping[str, Any] | None) -> str:
    """'如有疑问请联系市处非办（联系人：米冬冬；电话、传真：6678057；邮箱：w6678057@163.com）。'"""
    office = office or {}
    bits = [f"联系人：{office['contact']}" if office.get("contact") else "",
            f"电话、传真：{office['phone']}" if office.get("phone") else "",
            f"邮箱：{office['email']}" if office.get("email") else ""]
    bits = [b for b in bits if b]
    name = office.get("name") or "市处非办"
    return f"如有疑问请联系{name}" + (f"（{'；'.join(bits)}）" if bits else "") + "。"
