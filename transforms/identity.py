"""Company identity across units: which ledger companies may be one, and which are one.

Units type the same company differently: 淮南聚宝盆投资咨询有限公司 / 聚宝盆投资咨询有限责任公司 /
安徽长盛农牧科技有限公司（凤台） / a trailing 。. The ledger (warehouse/views.sql) merges only
identical normalised names (company_key); this module

- splits a name into place prefix, 字号 (trade name), 行业 (line of business), legal form,
  branch and bracketed notes (word lists as data: transforms/data/*.txt);
- proposes candidate pairs — never merges them: same 字号 and a compatible 行业 once places,
  legal forms, brackets and punctuation are set aside, scored with rapidfuzz on the 字号 first
  (so 鼎盛投资管理 and 鼎丰投资管理, two companies of one trade, score low). Pairs are only
  compared within blocks of names sharing their 字号 or the 字号 less one character, so the
  work grows with the number of near-identical names, not with its square;
- resolves the groups that ARE one company: the office's `same` decisions and shared valid
  统一社会信用代码, by union-find, never across a `different` decision.

Pure: records in, records out (no database, no files but the packaged word lists)."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import combinations
from typing import Any, Iterable

from rapidfuzz import fuzz

from campaign.errors import InputError

# Legal forms, longest first: (as typed, canonical). 有限公司 = 有限责任公司, 股份有限公司 = 股份公司.
LEGAL_FORMS = (
    ("股份有限公司", "股份公司"), ("股份公司", "股份公司"), ("有限责任公司", "有限公司"), ("有限公司", "有限公司"),
    ("农民专业合作社", "合作社"), ("专业合作社", "合作社"), ("合作社", "合作社"), ("合伙企业有限合伙", "合伙企业"),
    ("有限合伙", "合伙企业"), ("合伙企业", "合伙企业"), ("个人独资企业", "独资企业"), ("公司", "公司"),
)
# "公司" alone is how a clerk shortens either company form
COMPANY_FORMS = {"公司", "有限公司", "股份公司"}
# A branch is kept apart from its head office: 分公司 is not a legal-form suffix.
BRANCH = re.compile(r"(分公司|分店|营业部|办事处|分部|分中心|分社)$")
_BRACKETS = re.compile(r"[(\[【〔{]([^()\[\]【】〔〕{}]*)[)\]】〕}]")
_PUNCT = re.compile(r"[。．.，,、·・'\"“”‘’!！?？;；:：\-－—_~*#《》<>〈〉「」『』/\\|]")
MIN_TRADE = 2   # a 字号 keeps at least two characters when places and 行业 words are stripped


@dataclass(frozen=True)
class IdentitySettings:
    """The config file's [identity] section (every key optional)."""
    home_province: str = "34"          # two-digit province code of the campaign (安徽 = 34)
    min_score: float = 85.0            # a pair scoring below this is not a candidate
    min_trade_score: float = 80.0      # the 字号 alone must be at least this similar
    min_industry_score: float = 70.0   # 行业 words this similar (or one containing the other) are compatible
    pair_branch_with_head: bool = True  # X有限公司 and X有限公司寿县分公司 are proposed (the office decides)

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None, source: str = "config") -> "IdentitySettings":
        raw = dict(raw or {})
        known = cls.__dataclass_fields__
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise InputError(f"[identity] in {source}: unknown keys {unknown}; known: {sorted(known)}")
        s = cls(**raw)
        if not (isinstance(s.home_province, str) and re.fullmatch(r"\d\d", s.home_province)):
            raise InputError(f"[identity] home_province in {source}: a two-digit province code such as \"34\"")
        for k in ("min_score", "min_trade_score", "min_industry_score"):
            v = getattr(s, k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
                raise InputError(f"[identity] {k} in {source}: a number from 0 to 100, not {v!r}")
        if not isinstance(s.pair_branch_with_head, bool):
            raise InputError(f"[identity] pair_branch_with_head in {source}: true or false")
        return s


def _word_list(name: str) -> tuple[str, ...]:
    text = resources.files("transforms.data").joinpath(name).read_text(encoding="utf-8")
    words = {w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))     # longest match first


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    return _word_list("places.txt")


@lru_cache(maxsize=1)
def industries() -> tuple[str, ...]:
    return _word_list("industries.txt")


@dataclass(frozen=True)
class NameParts:
    key: str
    place: str          # stripped place prefixes, e.g. 安徽淮南
    trade: str          # 字号
    industry: str       # 行业 words
    form: str | None    # canonical legal form
    form_typed: str | None
    branch: str | None  # 寿县分公司
    notes: tuple[str, ...]   # bracketed notes that are not a branch: 凤台
    punct: bool         # punctuation was removed

    @property
    def core(self) -> str:
        return self.trade + self.industry


@lru_cache(maxsize=1 << 16)
def parse_name(key: str) -> NameParts:
    """Split a normalised company name (company_key) into its parts."""
    text = unicodedata.normalize("NFKC", key).upper()
    text, n_punct = _PUNCT.subn("", text)
    notes, branch = [], None
    for inner in _BRACKETS.findall(text):
        inner = inner.strip()
        if not inner:
            continue
        if BRANCH.search(inner):
            branch = inner
        else:
            notes.append(inner)
    text = _BRACKETS.sub("", text)
    text = re.sub(r"[()\[\]【】〔〕{}]", "", text)          # an unbalanced bracket
    marker = BRANCH.search(text) if branch is None else None
    if marker:                                            # X有限公司寿县分公司
        head = text[:marker.start()]
        cut = max((head.rfind(typed) + len(typed) for typed, _ in LEGAL_FORMS if head.rfind(typed) > 0), default=-1)
        if cut > 0:
            text, branch = text[:cut], text[cut:]
    form = form_typed = None
    for typed, canonical in LEGAL_FORMS:
        if text.endswith(typed) and len(text) > len(typed):
            text, form, form_typed = text[: -len(typed)], canonical, typed
            break
    place = ""
    stripped = True
    while stripped:
        stripped = False
        for p in places():
            if text.startswith(p) and len(text) - len(p) >= MIN_TRADE:
                text, place, stripped = text[len(p):], place + p, True
                break
    trade, industry = text, ""
    stripped = True
    while stripped:
        stripped = False
        for w in industries():
            if trade.endswith(w) and len(trade) - len(w) >= MIN_TRADE:
                trade, industry, stripped = trade[: -len(w)], w + industry, True
                break
    return NameParts(key, place, trade, industry, form, form_typed, branch, tuple(notes), n_punct > 0)


@dataclass
class Company:
    """A ledger company as the candidate search sees it: its key, spelling and reporters."""
    key: str
    name: str
    units: tuple[str, ...] = ()
    codes: frozenset[str] = frozenset()     # valid credit codes its reporters gave


@dataclass(frozen=True)
class Candidate:
    key_a: str
    key_b: str
    score: float
    reason: str


def _blocks(trade: str) -> set[str]:
    """Block keys: the 字号, and (4+ characters) the 字号 less each one character — two 字号 one
    edit apart share a key; shorter ones one edit apart never reach the score threshold."""
    keys = {trade}
    if len(trade) >= 4:
        keys |= {trade[:i] + trade[i + 1:] for i in range(len(trade))}
    return keys


def _industry_score(a: str, b: str) -> tuple[float, bool]:
    """(similarity, compatible?) of two 行业 parts; an empty one is compatible with anything."""
    if a == b:
        return 100.0, True
    if not a or not b:
        return 80.0, True
    if a in b or b in a:
        return max(fuzz.ratio(a, b), 85.0), True
    s = fuzz.ratio(a, b)
    return s, False


def _distinct_heads(a: str, b: str) -> tuple[str, str]:
    """The two 字号 less the ending they share (营销策划 in 同创嘉营销策划 / 同创康营销策划): a 行业
    word missing from industries.txt must not make two trade names look alike."""
    k = 0
    while k < min(len(a), len(b)) - 1 and a[-1 - k] == b[-1 - k]:
        k += 1
    return (a[:-k], b[:-k]) if k >= 2 else (a, b)


def compare(a: NameParts, b: NameParts, settings: IdentitySettings) -> tuple[float, str] | None:
    """(score, reason in Chinese) when the two names may be one company, else None."""
    if a.branch and b.branch and a.branch != b.branch:
        return None                                   # two branches of one head office
    head_branch = (a.branch is None) != (b.branch is None)
    if head_branch and not settings.pair_branch_with_head:
        return None
    if a.form and b.form and a.form != b.form and not {a.form, b.form} <= COMPANY_FORMS:
        return None                                   # 有限公司 vs 合作社: two entities (公司 alone: 有限 dropped)
    trade = 100.0 if a.trade == b.trade else fuzz.ratio(*_distinct_heads(a.trade, b.trade))
    if trade < settings.min_trade_score:
        return None
    industry, compatible = _industry_score(a.industry, b.industry)
    if not compatible and industry < settings.min_industry_score:
        return None
    score = 0.75 * trade + 0.25 * industry
    if head_branch:
        score *= 0.9
    score = round(score, 1)
    if score < settings.min_score:
        return None
    return score, _reason(a, b, trade, head_branch)


def _reason(a: NameParts, b: NameParts, trade: float, head_branch: bool) -> str:
    parts = []
    if a.core == b.core:
        parts.append(f"字号“{a.trade}”及行业用语相同")
    elif a.trade == b.trade:
        parts.append(f"字号“{a.trade}”相同，行业用语不同（{a.industry or '无'}／{b.industry or '无'}）")
    else:
        parts.append(f"字号相近（{a.trade}／{b.trade}，相似度{trade:.0f}）")
        if a.industry != b.industry:
            parts.append(f"行业用语不同（{a.industry or '无'}／{b.industry or '无'}）")
    if a.place != b.place:
        parts.append(f"地名前缀不同（{a.place or '无'}／{b.place or '无'}）")
    if a.form_typed != b.form_typed:
        parts.append(f"组织形式写法不同（{a.form_typed or '未写'}／{b.form_typed or '未写'}）")
    if a.notes != b.notes:
        parts.append(f"括号内注明不同（{'、'.join(a.notes) or '无'}／{'、'.join(b.notes) or '无'}）")
    if head_branch:
        parts.append(f"一方为分公司（{a.branch or b.branch}）")
    if a.punct or b.punct:
        parts.append("含标点符号")
    return "；".join(parts)


def find_candidates(companies: Iterable[Company], settings: IdentitySettings,
                    group_of: dict[str, str] | None = None) -> list[Candidate]:
    """Pairs of companies that may be one, best first. Pairs already one company (group_of: key ->
    group) and pairs with two different valid credit codes (two registered entities) are left out."""
    group_of = group_of or {}
    by_key = {c.key: c for c in companies}
    parts = {k: parse_name(k) for k in by_key}
    blocks: dict[str, list[str]] = defaultdict(list)
    for k, p in parts.items():
        for b in _blocks(p.trade):
            blocks[b].append(k)
    seen: set[tuple[str, str]] = set()
    out = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        for ka, kb in combinations(sorted(members), 2):
            if (ka, kb) in seen:
                continue
            seen.add((ka, kb))
            if group_of.get(ka, ka) == group_of.get(kb, kb):
                continue
            ca, cb = by_key[ka].codes, by_key[kb].codes
            if ca and cb and not (ca & cb):
                continue
            found = compare(parts[ka], parts[kb], settings)
            if found:
                out.append(Candidate(ka, kb, *found))
    out.sort(key=lambda c: (-c.score, c.key_a, c.key_b))
    return out


def pair_score(key_a: str, key_b: str) -> float:
    """The 字号-weighted similarity of any two names (for pairs the office decided by hand)."""
    a, b = parse_name(key_a), parse_name(key_b)
    return round(0.75 * fuzz.ratio(a.trade, b.trade) + 0.25 * (fuzz.ratio(a.industry, b.industry)
                                                               if a.industry or b.industry else 100.0), 1)


# --------------------------------------------------------------------------------------
# groups: which keys are one company

class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class Identity:
    ledger_key: dict[str, str]                 # every company_key -> the key its ledger row carries
    how: dict[str, str]                        # merged key -> why (人工认定 / 统一社会信用代码 …)
    code_conflicts: dict[str, list[str]] = field(default_factory=dict)   # key -> its several valid codes
    refused: list[tuple[str, str, str]] = field(default_factory=list)     # (a, b, why) links not made


def _separated(uf: UnionFind, a: str, b: str, different: set[tuple[str, str]], members) -> bool:
    """Would joining a's and b's groups put two keys decided `different` into one company?"""
    ga, gb = members(uf.find(a)), members(uf.find(b))
    return any((min(x, y), max(x, y)) in different for x in ga for y in gb)


def resolve(companies: Iterable[Company], same: Iterable[tuple[str, str]], different: Iterable[tuple[str, str]],
            weight: dict[str, tuple] | None = None) -> Identity:
    """Union-find over the office's `same` decisions, then over shared valid credit codes.

    A link that would join two keys decided `different` is not made (and is listed in
    `refused`): the office's word wins over a code, which a clerk may have mistyped into
    another valid one. A key given several valid codes is flagged and links by none of them.
    weight: key -> sort tuple, larger first, choosing the group's ledger key (default: key order)."""
    comps = list(companies)
    keys = {c.key for c in comps}
    diff = {(min(a, b), max(a, b)) for a, b in different}
    uf = UnionFind()
    groups: dict[str, set[str]] = {}

    def members(root: str) -> set[str]:
        return groups.get(root, {root})

    def link(a: str, b: str, why: str, how: dict[str, str]) -> None:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return
        if _separated(uf, a, b, diff, members):
            refused.append((a, b, why))
            return
        merged = members(ra) | members(rb)
        groups.pop(ra, None)
        groups.pop(rb, None)
        uf.union(a, b)
        groups[uf.find(a)] = merged
        how.setdefault(a, why)
        how.setdefault(b, why)

    refused: list[tuple[str, str, str]] = []
    how: dict[str, str] = {}
    for a, b in same:
        if a in keys and b in keys:
            link(a, b, "人工认定为同一企业", how)
    conflicts = {c.key: sorted(c.codes) for c in comps if len(c.codes) > 1}
    by_code: dict[str, list[str]] = defaultdict(list)
    for c in comps:
        if c.key not in conflicts:
            for code in c.codes:
                by_code[code].append(c.key)
    for code, ks in sorted(by_code.items()):
        for other in sorted(ks)[1:]:
            link(sorted(ks)[0], other, f"统一社会信用代码相同（{code}）", how)
    weight = weight or {}
    ledger_key = {}
    for root in {uf.find(k) for k in keys}:
        group = members(root)
        chosen = min(group, key=lambda k: (tuple(-x for x in weight.get(k, ())), k))
        for k in group:
            ledger_key[k] = chosen
    for k in keys:
        ledger_key.setdefault(k, k)
    how = {k: v for k, v in how.items() if any(ledger_key[o] == ledger_key[k] and o != k for o in members(uf.find(k)))}
    return Identity(ledger_key, how, conflicts, refused)
