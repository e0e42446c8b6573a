"""The consolidate flow: make the warehouse's views current and log the headline figures.

The views (city_stats, risk_ledger, ...) compute everything on read; this flow makes sure the
schema and views exist and that the tables copied from configuration (units registry, risk
thresholds, calendar, the printed rows of 附件1) say what the config file says tonight."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from campaign.config import Config, load_config
from flows.identity import identity_task
from support.run_context import run_logger
from warehouse import db, queries, settings
from warehouse.lock import RunLock


@task(name="sync-config-tables", cache_policy=NONE)
def sync_task(warehouse: Path, config: Config) -> None:
    con = db.connect(warehouse)
    try:
        db.init_schema(con)
        db.sync_registry(con, config)
        settings.sync_settings(con, config)
    finally:
        con.close()


@task(name="headline-figures", cache_policy=NONE)
def headline_task(warehouse: Path) -> dict:
    con = db.connect(warehouse, read_only=True)
    try:
        return queries.headline(con)
    finally:
        con.close()


def describe(h: dict) -> str:
    lines = []
    for section, t in h["counties_totals"].items():
        lines.append(f"县区合计 {section}: 排查 {t['screened']:.2f} 问题机构 {t['problem_count']:.2f} "
                     f"人数 {t['people']:.2f} 金额 {t['amount']:.2f} 万元")
    lines.append(f"风险台账 {h['companies']} 家企业（{h['multi_reporter_companies']} 家多单位报送，"
                 f"{h['cross_province_companies']} 家跨省）")
    lines.append(f"无非法集资区县: {'、'.join(h['qualifying_counties']) or '无'}")
    lines.append(f"尚无有效数据的 (单位, 表): {h['forms_without_current_data']}")
    return "\n".join(lines)


@flow(name="consolidate", log_prints=True)
def consolidate_flow(data_dir: str | None = None, config_path: str | None = None) -> dict:
    """Bring schema, views and config-derived tables up to date; return and log the headline figures."""
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    warehouse = db.warehouse_path(data)
    with RunLock(data, wait_seconds=config.run_lock_wait):
        sync_task(warehouse, config)
        identity_task(warehouse, config)   # merges and candidates of ledger companies (flows/identity.py)
        h = headline_task(warehouse)
    run_logger().info("consolidated %s\n%s", warehouse, describe(h))
    return h
