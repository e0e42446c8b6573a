"""Benchmark: the company-identity candidate search on the ledger of an N-unit bench inbox.

    python -m bench.identity --n 3000

The ledger is taken from bench/generate.py's plan (the 附件2 rows of every accepted submission,
exactly what a nightly run over that inbox loads), so no workbook needs to be written or
parsed. Timed: transforms.identity.find_candidates + resolve over every company key, as the
consolidation's identity step runs them. Two ledgers: the bench's own names (its shared
companies differ only by 淮南市/spaces, so they already share one key; every pair found is a
false alarm), and the same with clerk variants injected into a share of the shared companies'
reports (有限责任公司, a trailing 。, a bracketed county, 安徽省 prefix): pairs found vs injected."""
from __future__ import annotations

import argparse
import random
import re
import time
from collections import defaultdict

from transforms.identity import Company, IdentitySettings, find_candidates, parse_name, resolve
from transforms.text import company_key

VARIANTS = (lambda n: n.replace("有限公司", "有限责任公司"), lambda n: n + "。",
            lambda n: n + "（凤台）",
            lambda n: "安徽省淮南市" + re.sub(r"^(安徽省|安徽|淮南市|淮南)", "", n))


def bench_ledger(n: int, seed: int = 2018) -> list[tuple[str, str]]:
    """(unit, company name) of every 附件2 row of every accepted submission of the bench plan."""
    from bench.generate import _plan, unit_names, write_config
    from campaign.config import load_config
    import tempfile
    from pathlib import Path

    counties, departments = unit_names(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(counties, departments, Path(tmp) / "config.toml"))
    rows = []
    for spec in _plan(n, counties, departments, config, seed):
        if spec.expected != "accepted" or not spec.sheets:
            continue
        for sheet in spec.sheets:
            if sheet.form.code == "附件2":
                rows += [(spec.unit, r["company_name"]) for r in sheet.data]
    return rows


def companies_of(rows: list[tuple[str, str]]) -> list[Company]:
    units: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for unit, name in rows:
        k = company_key(name)
        units[k].add(unit)
        names.setdefault(k, name)
    return [Company(k, names[k], tuple(sorted(u))) for k, u in units.items()]


def inject(rows: list[tuple[str, str]], share: float, seed: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Rewrite `share` of the reports of companies reported by 2+ units with a clerk variant.
    Returns the rows and, per key, the key of the company it stands for."""
    rng = random.Random(seed)
    count: dict[str, int] = defaultdict(int)
    for _, name in rows:
        count[company_key(name)] += 1
    out, origin = [], {}
    for unit, name in rows:
        k = company_key(name)
        origin.setdefault(k, k)
        if count[k] >= 2 and rng.random() < share:
            name = rng.choice(VARIANTS)(name)
            origin.setdefault(company_key(name), k)
        out.append((unit, name))
    return out, origin


def run(n: int, seed: int = 2018, share: float = 0.5) -> dict:
    settings = IdentitySettings()
    t0 = time.perf_counter()
    rows = bench_ledger(n, seed)
    plan_s = time.perf_counter() - t0
    result = {"n_units": n, "reports": len(rows), "plan_seconds": round(plan_s, 1)}
    variant_rows, origin = inject(rows, share, seed)
    for label, ledger_rows in (("bench names", rows), ("with clerk variants", variant_rows)):
        comps = companies_of(ledger_rows)
        parse_name.cache_clear()
        t, cpu = time.perf_counter(), time.process_time()
        ident = resolve(comps, [], [])
        found = find_candidates(comps, settings, ident.ledger_key)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        keys = {c.key for c in comps}
        true_pairs = {frozenset((k, o)) for k, o in origin.items() if k != o and k in keys and o in keys}
        hits = {frozenset((c.key_a, c.key_b)) for c in found}
        result.setdefault("missed", []).extend(sorted(tuple(sorted(p)) for p in true_pairs - hits)[:5])
        result[label] = {"companies": len(comps), "pairs_found": len(found), "seconds": round(seconds, 3),
                         "cpu_seconds": round(cpu, 3),
                         "variant_pairs": len(true_pairs), "variant_pairs_found": len(true_pairs & hits),
                         "false_pairs": sum(1 for c in found if origin.get(c.key_a, c.key_a) != origin.get(c.key_b, c.key_b))}
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[3000])
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--share", type=float, default=0.5, help="share of shared companies' reports given a variant")
    args = p.parse_args(argv)
    for n in args.n:
        print(run(n, args.seed, args.share))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
