"""`campaign documents`: list the documents units sent, and set a document's kind by hand.

    campaign documents [--unit U]                 every document: kind, date, title, how classified
    campaign documents classify FILE KIND         FILE: inbox path (大通区/材料.docx), file name or sha256
                                                  (8+ characters); KIND: 实施方案 | 工作动态信息 | 总结报告 | 其他

A kind set by hand is stored in the warehouse (document_kinds_by_hand) and wins over the rules
in every later run and `campaign reprocess`."""
from __future__ import annotations

import argparse
import datetime as dt

from campaign.config import load_config
from campaign.document_kinds import KINDS
from campaign.errors import InputError
from cli.common import analytics_connection, preflight, prepare_command
from warehouse.lock import RunLock

_STATUS_ZH = {"accepted": "已收", "unreadable": "无法读取", "duplicate": "重复"}


def add_parser(sub, common) -> None:
    p = sub.add_parser("documents", help="list the documents units sent (实施方案, 工作动态信息, 总结报告); "
                                         "`documents classify FILE KIND` sets a kind by hand",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=__doc__)
    p.add_argument("action", nargs="*", metavar="classify FILE KIND",
                   help="omit to list; `classify FILE KIND` to set the kind of one document")
    p.add_argument("--unit", help="only this unit's documents")
    common(p, inbox=False)
    p.set_defaults(func=cmd_documents)


def cmd_documents(args) -> int:
    if not args.action:
        return _list(args)
    if args.action[0] != "classify" or len(args.action) != 3:
        raise InputError("usage: campaign documents [--unit U] | campaign documents classify FILE KIND")
    return _classify(args, args.action[1].strip(), args.action[2].strip())


def _list(args) -> int:
    from warehouse.documents import documents_frame   # DuckDB: not when the parser imports this module

    _, data_dir = prepare_command(args)
    config = load_config(args.config)
    if args.unit and config.unit_kind(args.unit) is None:
        raise InputError(f"{args.unit!r} is not a registry unit (see [units] in {config.source})")
    con = analytics_connection(data_dir)
    try:
        frame = documents_frame(con, config.units, args.unit)
    finally:
        con.close()
    if frame.empty:
        print("no documents received" + (f" from {args.unit}" if args.unit else ""))
        return 0
    for r in frame.to_dict("records"):
        size = f"{int(r['pages'])}页" if r["pages"] == r["pages"] and r["pages"] is not None else (
            f"{int(r['characters'])}字" if r["characters"] == r["characters"] and r["characters"] is not None else "")
        how = "手工" if r["classified_by"] == "hand" else ("规则" if r["sure"] else "规则（不确定）")
        date = r["doc_date"].strftime("%Y-%m-%d") if r["doc_date"] is not None and r["doc_date"] == r["doc_date"] else ""
        src = "文中" if r["date_source"] == "text" else "收到"
        print(f"{r['unit']}\t{r['inbox_path']}\t{r['kind']}（{how}）\t{date}（{src}）\t{_STATUS_ZH.get(r['status'], r['status'])}"
              f"\t{size}\t{r['title'] or ''}\t{r['sha256'][:12]}" + (f"\t{r['reason']}" if r["reason"] else ""))
    return 0


def _classify(args, ref: str, kind: str) -> int:
    from warehouse import db   # DuckDB: not when the parser imports this module
    from warehouse.documents import find_documents, set_kind_by_hand   # DuckDB, as above
    from warehouse.snapshot import refresh_snapshot   # DuckDB, as above

    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}: use one of {' | '.join(KINDS)}")
    _, data_dir = prepare_command(args)
    path = db.warehouse_path(data_dir)
    if not path.exists():
        raise InputError(f"no warehouse yet in {data_dir}: run `campaign ingest` first")
    preflight(data_dir)
    config = load_config(args.config)
    with RunLock(data_dir, wait_seconds=config.run_lock_wait):
        con = db.connect(path)
        try:
            db.init_schema(con)
            hits = find_documents(con, ref, args.unit)
            if not hits:
                raise InputError(f"no document {ref!r}" + (f" of {args.unit}" if args.unit else "")
                                 + ": give its inbox path (unit/file), file name or sha256 (see `campaign documents`)")
            if len({(u, s) for u, s, _, _ in hits}) > 1:
                raise InputError(f"{ref!r} names {len(hits)} documents ({', '.join(p for *_, p in hits[:5])}): "
                                 "give the inbox path or --unit")
            unit, sha, name, inbox_path = hits[0]
            set_kind_by_hand(con, unit, sha, kind, name, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        finally:
            con.close()
        refresh_snapshot(data_dir)
    print(f"{inbox_path}: {kind} (set by hand; kept across reruns and reprocess). "
          "`campaign publish` shows it in the workbook and receipts.")
    return 0
