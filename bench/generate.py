"""N realistic submissions for the benchmarks, over a generated registry of N units.

    python -m bench.generate --n 1000          # writes (or reuses) /tmp/campaign-bench/n1000-s2018-v1/

Each unit sends (about) one workbook drawn in the official layout by `publish.layout.write_form`
through the demo inbox's building blocks (`cli.demo`): counties 附件1+附件2+附件3, departments
附件1+附件2. The mix, per unit (deterministic for a seed):

    clean ............................................ ~52 %
    messy-but-valid: numbers typed as text ('12.00', '1,234.50', full-width '１２'),
      blanks written as — / 无, 合计 as text ....................... ~20 %
    sheets renamed and reordered ................................ ~8 %
    tables offset (title at B3) ................................. ~8 %
    an added row in 重点领域 (注2) ................................ ~4 %
    the forms sent as separate files (one file per form) ......... ~4 %
    invalid (rejected): wrong 合计, 是否跨省 'Y', a truncated zip, a negative amount,
      a company listed twice ...................................... ~4 %
plus an Excel lock file (~$…) beside ~2 % of the workbooks (skipped, not a submission), and
companies reported by several units (spelling variants, sometimes disagreeing figures).

The inbox holds exactly N submission files (a split unit's files count one each; the last
units of the registry may send nothing, as in real life). A config file copy with the
generated registry sits beside it (`config.toml`, load with campaign.config.load_config), and
`manifest.json` lists every file with its variant and expected verdict. Generated inboxes are
cached: a rerun with the same N and seed reuses them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

VERSION = 1
ROOT = Path(os.environ.get("CAMPAIGN_BENCH_DIR", "/tmp/campaign-bench"))
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "campaign" / "config.toml"

VARIANTS = [("clean", 52), ("messy", 20), ("renamed", 8), ("offset", 8), ("added", 4), ("split", 4), ("invalid", 4)]
INVALID = ["SUM_MISMATCH", "ENUM_VALUE", "UNREADABLE_FILE", "NEGATIVE_VALUE", "DUPLICATE_COMPANY"]
COUNTY_SHARE = 0.75   # national scale: mostly county-level units

_CHARS = ("东西南北安平宁和丰临长永兴新清河阳山泉城林江海湖石白金玉青云龙凤华嘉庆福寿广昌"
          "德明光远定武文泰顺成乐吉祥开宝瑞康庄华盛通汇鼎恒信达隆裕富")
_NAME2 = ("远达通信诚泰和顺发盛隆兴旺祥瑞安康吉利嘉华宏伟嘉豪金鑫银丰创新美联合众邦德润天地"
          "海阔峰")


@dataclass
class BenchInbox:
    n: int
    seed: int
    root: Path
    inbox: Path
    config_path: Path
    manifest: list[dict[str, Any]]

    @property
    def submissions(self) -> list[dict[str, Any]]:
        return [f for f in self.manifest if f["expected"] != "ignored"]


# --------------------------------------------------------------------------------------
# the registry and its config file

def unit_names(n: int, seed: int = 2018) -> tuple[list[str], list[str]]:
    """n unique synthetic unit names: ~75 % counties ('东平县', '安和区'), the rest departments ('市安平局')."""
    rng = random.Random(seed)
    n_counties = max(1, round(n * COUNTY_SHARE)) if n > 1 else 1
    n_departments = n - n_counties
    chars = list(dict.fromkeys(_CHARS))
    pairs = [a + b for a in chars for b in chars if a != b]
    rng.shuffle(pairs)
    if len(pairs) < n:
        raise ValueError(f"at most {len(pairs)} synthetic units")
    counties = [p + ("县" if i % 3 else "区") for i, p in enumerate(pairs[:n_counties])]
    departments = ["市" + p + "局" for p in pairs[n_counties:n]]
    return counties, departments


def _toml_list(values: list[str]) -> str:
    return "[\n" + "".join(f"    {json.dumps(v, ensure_ascii=False)},\n" for v in values) + "]"


def write_config(counties: list[str], departments: list[str], path: Path, base: Path = DEFAULT_CONFIG) -> Path:
    """A copy of the config file with its [units] registry replaced by the given units."""
    text = base.read_text(encoding="utf-8")
    head = text[:text.index("\n[units]")]
    units = (f"\n[units]\ncounties = {_toml_list(counties)}\ndepartments = {_toml_list(departments)}\n\n"
             "[units.required_forms]\n"
             'county = ["附件1", "附件2", "附件3"]\ndepartment = ["附件1", "附件2"]\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + "\n" + units, encoding="utf-8")
    from campaign.config import load_config
    cfg = load_config(path)
    assert cfg.units == counties + departments
    return path


# --------------------------------------------------------------------------------------
# the plan

@dataclass
class Spec:
    unit: str
    name: str
    variant: str
    expected: str                  # accepted | rejected | ignored
    rule: str | None
    when: dt.datetime | None       # local mtime
    sheets: list | None = None     # cli.demo._Sheet
    author: str = ""
    raw: str | None = None         # 'truncate' | 'lock'


class _CompanyNames:
    """Globally unique company names, drawn without replacement from a shuffled name space."""

    def __init__(self, rng: random.Random):
        from cli import demo
        self.rng = rng
        self.types = demo._COMPANY_TYPES
        self.space = [(a, b, t) for a in dict.fromkeys(demo._NAME_CORES) for b in dict.fromkeys(_NAME2) for t in range(len(self.types))]
        rng.shuffle(self.space)
        self.prefixes = demo._NAME_PREFIXES
        self.extra = 0

    def draw(self) -> tuple[str, str, str, str]:
        if self.space:
            a, b, t = self.space.pop()
            suffix, industry, mode, internet = self.types[t]
            return self.rng.choice(self.prefixes) + a + b + suffix, industry, mode, internet
        self.extra += 1
        suffix, industry, mode, internet = self.types[self.extra % len(self.types)]
        return f"淮南第{self.extra}号{suffix}", industry, mode, internet


def _plan(n: int, counties: list[str], departments: list[str], config, seed: int) -> list[Spec]:
    from cli import demo
    from campaign.forms import FORM1, FORM2, FORM3

    rng = random.Random(seed)
    names = _CompanyNames(rng)
    start, due = config.date("screening_start"), config.forms_due
    units = counties + departments
    order = list(units)
    rng.shuffle(order)                        # variants and file budget spread over both kinds

    # companies reported by several units: the demo's five plus one per ~25 units
    shared: list[tuple[str, list[str], tuple[str, str, str], dict]] = []
    for canonical, variants, kind in demo._SHARED:
        shared.append((canonical, variants, kind, demo._company(rng, canonical, *kind, cross=rng.random() < 0.4)))
    for _ in range(max(0, n // 25)):
        name, industry, mode, internet = names.draw()
        variants = [("淮南市" + name[2:]) if name.startswith("淮南") else name.replace("有限公司", " 有限公司")]
        shared.append((name, variants, (industry, mode, internet),
                       demo._company(rng, name, industry, mode, internet, cross=rng.random() < 0.3)))

    specs: list[Spec] = []
    budget = n
    for i, unit in enumerate(order):
        if budget <= 0:
            break
        county = unit in counties
        filler = demo._FILLERS[i % len(demo._FILLERS)][0]
        phone = (f"0554-{rng.randint(2, 6)}{rng.randint(100000, 999999)}" if rng.random() < 0.7
                 else f"1{rng.choice([35, 39, 52, 58, 87])}{rng.randint(10000000, 99999999)}")
        date = max(start, due - dt.timedelta(days=rng.randint(0, 40)))
        when = dt.datetime(date.year, date.month, date.day, rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59))
        foot = {"filler": filler, "phone": phone, "date": date}
        variant = rng.choices([v for v, _ in VARIANTS], weights=[w for _, w in VARIANTS])[0]
        if variant == "split" and budget < 3:
            variant = "clean"

        added = [(FORM1.sections[0], "其他：" + rng.choice(["养生保健", "小额贷款", "典当行", "融资租赁"]))] \
            if variant == "added" else []
        f1 = demo._form1_rows(rng, 0.75 if county else 0.35, added)
        leads = []
        for _ in range(rng.randint(2, 5) if county else rng.randint(1, 3)):
            leads.append(demo._company(rng, *names.draw()))
        if rng.random() < 0.15 and shared:
            canonical, variants, kind, base = rng.choice(shared)
            row = dict(base)
            if rng.random() < 0.5:
                row["company_name"] = rng.choice(variants)
            if rng.random() < 0.2:          # this unit's figures disagree
                row["people"] = base["people"] + rng.randint(5, 60)
            leads.insert(rng.randint(0, len(leads)), row)
        f3 = [demo._form3_row(unit, rng.random() < 0.4, rng)] if county else None

        totals1 = None
        rule = None
        if variant == "messy":
            f1 = demo._messy_rows(rng, f1, FORM1)
            leads = demo._messy_rows(rng, leads, FORM2)
        elif variant == "invalid":
            rule = INVALID[sum(1 for s in specs if s.variant == "invalid") % len(INVALID)]
            if rule == "SUM_MISMATCH":
                real = sum((r["amount"] for r in f1 if r["section"] == FORM1.sections[0]), Decimal(0))
                totals1 = {FORM1.sections[0]: {"amount": real + 100}}
            elif rule == "ENUM_VALUE":
                leads[0] = dict(leads[0], cross_province="Y")
            elif rule == "NEGATIVE_VALUE":
                target = next((r for r in f1 if r["amount"]), f1[0])
                target["amount"] = -Decimal("12.50")
            elif rule == "DUPLICATE_COMPANY":
                leads.append(dict(leads[0]))

        def sheet(code: str, title: str | None = None, origin=(1, 1)):
            form = {"附件1": FORM1, "附件2": FORM2, "附件3": FORM3}[code]
            data = {"附件1": f1, "附件2": leads, "附件3": f3}[code]
            return demo._Sheet(form, data, title, foot, origin, totals1 if code == "附件1" else None)

        codes = ["附件1", "附件2"] + (["附件3"] if county else [])
        expected = "rejected" if variant == "invalid" else "accepted"
        if variant == "split":
            for code in codes:
                specs.append(Spec(unit, f"{unit}_{code}.xlsx", variant, expected, None, when, [sheet(code)], filler))
                budget -= 1
        else:
            if variant == "renamed":
                titles = dict(zip(codes, rng.sample(["Sheet1", "Sheet2", "Sheet3", "统计表", "线索表", "汇总"], len(codes))))
                order_codes = list(reversed(codes))
                sheets = [sheet(c, titles[c]) for c in order_codes]
            elif variant == "offset":
                sheets = [sheet(c, origin=(3, 2)) for c in codes]
            else:
                sheets = [sheet(c) for c in codes]
            name = rng.choice([f"{unit}.xlsx", f"{unit}风险排查.xlsx", f"{unit}_{date:%Y%m%d}.xlsx", "附件1-3.xlsx"])
            specs.append(Spec(unit, name, variant, expected, rule, when, sheets, filler,
                              "truncate" if rule == "UNREADABLE_FILE" else None))
            budget -= 1
            if rng.random() < 0.02:
                specs.append(Spec(unit, f"~${name}", "lock", "ignored", "LOCK_FILE", when, None, filler, "lock"))
    return specs


def _build(spec: Spec) -> bytes:
    from cli import demo
    if spec.raw == "lock":
        return demo._lock_file_bytes("user")
    data = demo._workbook_bytes(spec.sheets, spec.author, spec.when)
    if spec.raw == "truncate":
        data = data[: len(data) * 6 // 10]
    return data


def _write(job: tuple[Path, Spec, str]) -> int:
    inbox, spec, tz = job
    path = inbox / spec.unit / spec.name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _build(spec)
    path.write_bytes(data)
    ts = spec.when.replace(tzinfo=ZoneInfo(tz)).timestamp()
    os.utime(path, (ts, ts))
    return len(data)


# --------------------------------------------------------------------------------------

def generate(n: int, seed: int = 2018, root: Path = ROOT, workers: int | None = None, quiet: bool = False) -> BenchInbox:
    """The cached benchmark inbox of n submissions over n units (written on first use)."""
    from campaign.config import load_config

    base = Path(root) / f"n{n}-s{seed}-v{VERSION}"
    inbox, config_path, manifest_path = base / "inbox", base / "config.toml", base / "manifest.json"
    if manifest_path.exists():
        return BenchInbox(n, seed, base, inbox, config_path, json.loads(manifest_path.read_text(encoding="utf-8")))
    if base.exists():
        shutil.rmtree(base)
    t0 = time.perf_counter()
    counties, departments = unit_names(n, seed)
    write_config(counties, departments, config_path)
    config = load_config(config_path)
    specs = _plan(n, counties, departments, config, seed)
    jobs = [(inbox, s, config.timezone) for s in specs]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        sizes = list(pool.map(_write, jobs, chunksize=max(1, len(jobs) // 64)))
    manifest = [{"path": f"{s.unit}/{s.name}", "unit": s.unit, "variant": s.variant, "expected": s.expected,
                 "rule": s.rule, "bytes": size} for s, size in zip(specs, sizes)]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    if not quiet:
        subs = sum(1 for m in manifest if m["expected"] != "ignored")
        print(f"generated {subs} submissions (+{len(manifest) - subs} lock files) for {n} units in {base} "
              f"({time.perf_counter() - t0:.1f} s, {sum(sizes) / 1e6:.1f} MB)")
    return BenchInbox(n, seed, base, inbox, config_path, manifest)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[100])
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--root", type=Path, default=ROOT)
    args = p.parse_args(argv)
    for n in args.n:
        b = generate(n, args.seed, args.root)
        print(f"{b.inbox}  config={b.config_path}  submissions={len(b.submissions)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
