"""The consolidation's identity step: candidates and merges of ledger companies (issue 16)."""
from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE

from campaign.config import Config
from support.run_context import run_logger
from transforms.identity import IdentitySettings
from warehouse import db
from warehouse.identity import refresh_identity


def identity_settings(config: Config) -> IdentitySettings:
    return IdentitySettings.from_raw(config.raw.get("identity"), str(config.source))


@task(name="company-identity", cache_policy=NONE)
def identity_task(warehouse: Path, config: Config) -> None:
    """Recompute which ledger companies are one (decisions, credit codes) and which may be (candidates)."""
    con = db.connect(warehouse)
    try:
        f = refresh_identity(con, identity_settings(config))
    finally:
        con.close()
    run_logger().info("company identity: %d company keys, %d merged into another's ledger row, %d candidate pairs "
                   "(%d open), %d names with conflicting credit codes, %d links refused by `different` (%.2f s)",
                   f.companies, f.merged_keys, f.candidates, f.open, f.code_conflicts, f.refused, f.seconds)
