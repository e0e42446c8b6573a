"""Build form grids and workbooks for tests, independently of the project's own writer.

Grids follow the printed layout of 淮处非〔2018〕1号 (title, 单位 line, two header rows, label
columns, 合计 rows, footer); options produce the messy variants real units send."""
from __future__ import annotations

import io
import os
import time
from decimal import Decimal
from pathlib import Path

import openpyxl

from campaign.forms import FORM1, FORM2, FORM3
from transforms.sheet import Sheet

F1_NUM = ["screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted", "unremediated"]


def form1_values(seed: int = 1) -> list[dict]:
    """Plausible figures for the 24 printed rows: whole counts, money with 2 decimals."""
    rows = []
    for i, r in enumerate(FORM1.rows):
        k = (i * 7 + seed) % 5
        rows.append({"section": r.section, "grp": r.group, "item": r.item,
                     "screened": 10 + k, "problem_count": k, "people": 20 * k, "amount": Decimal(f"{k * 12.5 + 0.25:.2f}") if k else Decimal("0"),
                     "rectified": k // 2, "cleaned": 0, "prosecuted": 0, "unremediated": k - k // 2,
                     "main_problems": "设资金池" if k else None, "unremediated_reason": "企业负责人失联" if k - k // 2 else None})
    return rows


def form1_grid(rows: list[dict], *, totals: dict | None = None, offset=(0, 0), split_header=False,
               text_numbers=False, footer_date="2018年7月16日", title=FORM1.title) -> tuple[list[list], list]:
    """(cells, merged) of a 附件1 sheet. `totals` overrides declared 合计 values per section."""
    W = 15
    g: list[list] = []
    merged: list[tuple[int, int, int, int]] = []

    def add(row):
        g.append(list(row) + [None] * (W - len(row)))
    add([title]); merged.append((0, 0, 0, W - 1))
    add(["单位：个、人、万元"])
    h1 = [None, None, None, "排查机\n构数量", "问题机构情况", None, None, None, "整治情况", None, None, None, "未整治情况", None, "备注"]
    h2 = [None, None, None, None, "机构 数量", "主要问\n题", "涉及人数", "涉及金额", "采取的主 要措施", "整改机构 数量", "清理机 构数量",
          "立案查处的机 构数量", "机构数 量", "原因", None]
    if split_header:   # parents written once, no merges at all
        pass
    else:
        merged += [(2, 3, 3, 3), (2, 4, 2, 7), (2, 8, 2, 11), (2, 12, 2, 13), (2, 14, 3, 14), (2, 0, 3, 2)]
    add(h1); add(h2)

    def fmt(v):
        if v is None or isinstance(v, str):
            return v
        if text_numbers:
            return f"{Decimal(v):,.2f}"
        return float(v) if isinstance(v, Decimal) else v
    for section in FORM1.sections:
        members = [r for r in rows if r["section"] == section]
        start = len(g)
        for j, r in enumerate(members):
            line = [section if j == 0 else None, r.get("grp") or r["item"], r["item"] if r.get("grp") else None]
            line += [fmt(r.get("screened")), fmt(r.get("problem_count")), r.get("main_problems"), fmt(r.get("people")),
                     fmt(r.get("amount")), r.get("measures"), fmt(r.get("rectified")), fmt(r.get("cleaned")),
                     fmt(r.get("prosecuted")), fmt(r.get("unremediated")), r.get("unremediated_reason"), None]
            add(line)
            if not r.get("grp"):
                merged.append((len(g) - 1, 1, len(g) - 1, 2))
        merged.append((start, 0, len(g) - 1, 0))
        # group labels merged vertically over their rows
        j = 0
        while j < len(members):
            grp = members[j].get("grp")
            k = j
            while k + 1 < len(members) and grp and members[k + 1].get("grp") == grp:
                k += 1
            if grp and k > j:
                merged.append((start + j, 1, start + k, 1))
            j = k + 1
        decl = {c: sum((Decimal(str(r.get(c) or 0)) for r in members if _is_num(r.get(c) or 0)), Decimal(0))
                for c in F1_NUM}
        decl.update((totals or {}).get(section, {}))
        add(["合计", None, None] + [fmt(decl["screened"]), fmt(decl["problem_count"]), None, fmt(decl["people"]),
                                    fmt(decl["amount"]), None, fmt(decl["rectified"]), fmt(decl["cleaned"]),
                                    fmt(decl["prosecuted"]), fmt(decl["unremediated"]), None, None])
        merged.append((len(g) - 1, 0, len(g) - 1, 2))
    add([])
    add(["填报人：王磊", None, None, "电话：0554-3127128", None, None, None, None, None, None, None, footer_date])
    add(["注：1. 重点领域是指非法集资主体所属的行业。"])
    return _offset(g, merged, offset)


def company(name, amount="100.00", people=10, unpaid="50.00", internet="线下", cross="否", notice=None,
            refund="正在清退，已清退50.00%") -> dict:
    return {"company_name": name, "industry": "涉农", "fundraising_mode": "吸收社员股金", "internet": internet,
            "amount": Decimal(amount), "people": people, "unpaid": Decimal(unpaid), "cross_province": cross,
            "measures": "警示约谈", "refund_status": refund, "outcome": "停业整改", "province_notice": notice}


def form2_grid(companies: list[dict], *, total_override: dict | None = None, offset=(0, 0),
               footer_date="2018年7月16日") -> tuple[list[list], list]:
    W = 14
    g: list[list] = []

    def add(row):
        g.append(list(row) + [None] * (W - len(row)))
    add([FORM2.title]); add(["单位：人、万元"])
    add(["序号", "风险情况", None, None, None, None, None, None, None, "工作情况", None, None, None, "备注"])
    add([None] + [c.label for c in FORM2.columns if c.name not in ("seq", "remarks")])
    merged = [(0, 0, 0, W - 1), (2, 0, 3, 0), (2, 1, 2, 8), (2, 9, 2, 12), (2, 13, 3, 13)]
    for i, c in enumerate(companies, 1):
        add([i, c["company_name"], c["industry"], c["fundraising_mode"], c["internet"], _num(c["amount"]),
             _num(c["people"]), _num(c["unpaid"]), c["cross_province"], c["measures"], c["refund_status"],
             c["outcome"], c["province_notice"]])
    tot = {k: sum((Decimal(str(c[k])) for c in companies if _is_num(c[k])), Decimal(0)) for k in ("amount", "people", "unpaid")}
    tot.update(total_override or {})
    add(["合计", None, None, None, None, float(tot["amount"]), float(tot["people"]), float(tot["unpaid"])])
    merged.append((len(g) - 1, 0, len(g) - 1, 4))
    add([])
    add(["填报人：李娜", None, None, "电话：0554-1234567", None, None, None, None, None, None, footer_date])
    return _offset(g, merged, offset)


def form3_grid(county: str | None, cases=0, over50="否", pet20="否", footer_date="2018年7月16日", offset=(0, 0)):
    g = [[FORM3.title, None, None, None, None], [c.label for c in FORM3.columns]]
    if county is not None:
        g.append([county, cases, over50, pet20, None])
    g += [[None] * 5, ["填报人：赵敏", "电话：0554-7654321", None, footer_date, None]]
    return _offset(g, [(0, 0, 0, 4)], offset)


def _is_num(v) -> bool:
    return isinstance(v, (int, float, Decimal))


def _num(v):
    return float(v) if isinstance(v, Decimal) else v


def _offset(g, merged, offset):
    dr, dc = offset
    g = [[None] * (len(g[0]) + dc) for _ in range(dr)] + [[None] * dc + r for r in g]
    merged = [(a + dr, b + dc, c + dr, d + dc) for a, b, c, d in merged]
    return g, merged


def sheet(name: str, grid_merged) -> Sheet:
    cells, merged = grid_merged
    return Sheet(name, [["" if v is None else v for v in row] for row in cells], merged)


def workbook_bytes(sheets: dict[str, tuple[list[list], list]], hidden_rows: dict[str, list[int]] | None = None) -> bytes:
    """A real .xlsx (openpyxl) holding the given grids, merges applied."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (cells, merged) in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(cells, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    cell = ws.cell(r, c, v)
                    if isinstance(v, str):
                        cell.data_type = "s"   # text stays text, even '=...'
        for r0, c0, r1, c1 in merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for r in (hidden_rows or {}).get(name, []):
            ws.row_dimensions[r].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


OLD = time.time() - 3600   # a settled file: modified an hour ago


def drop(inbox: Path, unit: str, name: str, data: bytes, mtime: float = OLD) -> Path:
    """Put a file into <inbox>/<unit>/ as a unit would, already settled (not still being written)."""
    path = inbox / unit / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path
