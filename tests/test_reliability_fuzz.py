"""Hypothesis fuzz of value coercion and label matching: the right Decimal or a clear None
(reported as NON_NUMERIC), the same label however it is spaced or typed, and never an exception."""
from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaign.forms import FORM1, FORM2, FORM3, FORMS
from tests.builders import company, form2_grid, sheet
from transforms.parse import parse_workbook
from transforms.text import (BLANK_MARKERS, NUMBER_RE, company_key, is_blank, normalize_label, number_text,
                             parse_number)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPACES = [" ", "\u3000", "\u00a0", "\t", "\n", "\r\n", "\u2003"]   # ASCII, ideographic, no-break, em space
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}    # ！..～


def full_width(text: str, mask: list[bool]) -> str:
    return "".join(FULL_WIDTH.get(ch, ch) if m else ch for ch, m in zip(text, mask + [False] * len(text)))


def sprinkle(draw, text: str) -> str:
    """Insert random whitespace (any kind) between characters."""
    out = []
    for ch in text:
        if draw(st.booleans()) and draw(st.booleans()):
            out.append(draw(st.sampled_from(SPACES)))
        out.append(ch)
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(SPACES)))
    return "".join(out)


@st.composite
def typed_numbers(draw):
    """(text a unit might type, the Decimal it means)."""
    value = draw(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False))
    places = draw(st.sampled_from([0, 1, 2, 2, 3]))
    value = value.quantize(Decimal(1).scaleb(-places)) if places else value.to_integral_value()
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    int_part, _, frac = f"{magnitude:f}".partition(".")
    if draw(st.booleans()):                                   # thousands separators
        int_part = f"{int(int_part):,}"
        if draw(st.booleans()):
            int_part = int_part.replace(",", "，")           # full-width comma
    text = sign + int_part + ("." + frac if frac else "")
    if not sign and draw(st.booleans()):
        text = "+" + text
    text = full_width(text, draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text))))
    return sprinkle(draw, text), value


@FUZZ
@given(typed_numbers())
@example(("１２", Decimal(12)))
@example(("1,234.50", Decimal("1234.50")))
@example((" 5 000.50\u3000", Decimal("5000.50")))
@example(("－３５．００", Decimal("-35")))
def test_numbers_typed_any_way_parse_to_the_exact_decimal(case):
    text, value = case
    got = parse_number(text)
    assert got == value, (text, got, value)
    assert NUMBER_RE.match(number_text(text))


@FUZZ
@given(st.sampled_from(sorted(BLANK_MARKERS)), st.lists(st.sampled_from(SPACES), max_size=3))
def test_blank_markers_count_as_zero(marker, spaces):
    text = "".join(spaces) + marker + "".join(reversed(spaces))
    assert parse_number(text) == 0 and number_text(text) == "0"
    assert is_blank(text)


@FUZZ
@given(st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("0123456789.,+-，．－＋ 　万亿元%eE/—无１２３"))),
    st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=True, allow_infinity=True),
))
@example("12.5万")
@example("1.2亿")
@example("1e5")
@example("9" * 5000)
@example("٣٤")            # Arabic-Indic digits: \d matches them, Decimal reads them
@example("１２.５万")
def test_coercion_never_raises_and_says_number_or_not(value):
    got = parse_number(value)
    text = number_text(value)
    assert isinstance(text, str)
    if got is None:
        assert not NUMBER_RE.match(text)                     # reported as NON_NUMERIC by the suites
    else:
        assert isinstance(got, Decimal) and got.is_finite() and NUMBER_RE.match(text)
    assert isinstance(is_blank(value), bool)


@FUZZ
@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_numeric_cells_keep_their_shortest_decimal(value):
    """A float cell reads as the decimal Excel shows (repr: 907.36, never 907.3599999...)."""
    got = parse_number(value)
    if "e" in repr(value):
        assert got is None                                    # 1e-05: not a plausible figure, NON_NUMERIC
    else:
        assert got == Decimal(repr(value))


@FUZZ
@given(st.sampled_from(["万", "亿", "元", "万元", "约", "余", "多", "左右", "人", "%", "e5", "x", "?", "个"]), typed_numbers())
def test_a_number_with_words_attached_is_not_a_number(word, case):
    """12.5万, 约100, 100元: never silently read as a number (NON_NUMERIC asks the unit to fix it)."""
    text, _ = case
    assert parse_number(text + word) is None
    assert parse_number(word + text) is None


LABELS = sorted({c.label for f in FORMS for c in f.columns} | {c.parent for f in FORMS for c in f.columns if c.parent}
                | {r.item for r in FORM1.rows} | {r.group for r in FORM1.rows if r.group} | {f.title for f in FORMS})
QUOTES = ["“", "”", '"', "‘", "’", "'"]


@st.composite
def retyped_labels(draw):
    label = draw(st.sampled_from(LABELS))
    text = label
    for q in QUOTES[:2]:                                    # quotes typed another way, or left out
        text = text.replace(q, draw(st.sampled_from(["", '"', "'", "「", "」", q])))
    text = full_width(text, draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text))))
    return label, sprinkle(draw, text)


@FUZZ
@given(retyped_labels())
def test_labels_match_however_they_are_spaced_quoted_or_widened(case):
    label, typed = case
    assert normalize_label(typed) == normalize_label(label)


@FUZZ
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.dates(), st.booleans()))
def test_label_normalisation_never_raises(value):
    once = normalize_label(value)
    assert isinstance(once, str) and not re.search(r"\s", once)
    # (not idempotent for every input: NFKC of '´' is a space plus a combining accent, which the
    # space removal then joins to the letter before it; no printed label is affected)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_form2_found_whatever_its_header_spacing(data):
    """End to end: header labels typed with random spaces, line breaks and full-width letters still map."""
    cells, merged = form2_grid([company("安徽甲公司"), company("淮南乙公司")])
    for r in (2, 3):
        cells[r] = [data.draw(retyped_for(v)) if isinstance(v, str) else v for v in cells[r]]
    cells[0][0] = data.draw(retyped_for(cells[0][0]))
    parsed = parse_workbook([sheet("任意名称", (cells, merged))])
    assert [f.form.code for f in parsed.forms] == ["附件2"]
    pf = parsed.forms[0]
    assert [i.rule for i in pf.issues if i.severity == "error"] == []
    assert list(pf.rows["company_name"]) == ["安徽甲公司", "淮南乙公司"]


def retyped_for(label: str):
    @st.composite
    def strat(draw):
        text = full_width(label, draw(st.lists(st.booleans(), min_size=len(label), max_size=len(label))))
        return sprinkle(draw, text)
    return strat()


@FUZZ
@given(st.sampled_from(["安徽中鑫财富投资管理有限公司", "淮南汇金网络借贷信息中介服务有限公司", "安徽瑞丰农业科技有限公司(寿县分公司)"]),
       st.data())
def test_company_names_match_across_spelling_variants(name, data):
    variant = name
    if variant.startswith("淮南") and data.draw(st.booleans()):
        variant = "淮南市" + variant[2:]
    variant = variant.replace("(", data.draw(st.sampled_from(["(", "（"]))).replace(")", data.draw(st.sampled_from([")", "）"])))
    variant = data.draw(retyped_for(variant))
    assert company_key(variant) == company_key(name)


def test_fuzz_covers_every_printed_label():
    assert {FORM1.title, FORM2.title, FORM3.title} <= set(LABELS)
    assert all(normalize_label(label) for label in LABELS)
