"""Copy the config-derived tables the consolidation views read (like db.sync_registry does).

form1_layout comes from campaign/forms.py, risk_thresholds and campaign_calendar from the
config file: thresholds and dates live in configuration, the SQL only reads them."""
from __future__ import annotations

import duckdb

from campaign.forms import FORM1
from warehouse.db import transaction

# Points per criterion when the config's [risk] section does not name them (its comments say +2 / +1).
DEFAULT_POINTS = {"high_points": 2, "medium_points": 1}


def sync_settings(con: duckdb.DuckDBPyConnection, config) -> None:
    """Replace form1_layout, risk_thresholds and campaign_calendar with what config and forms.py say."""
    risk = {**DEFAULT_POINTS, **config.risk}
    thresholds = tuple(str(risk[k]) for k in ("people_high", "people_medium", "unpaid_high", "unpaid_medium")) + \
        tuple(int(risk[k]) for k in ("high_points", "medium_points", "cross_province_points", "multi_reporter_points"))
    layout = [(i, r.section, r.group, r.item) for i, r in enumerate(FORM1.rows)]
    calendar = (config.timezone, config.date("screening_start"), config.date("screening_end"), config.forms_due)
    with transaction(con):
        con.execute("DELETE FROM form1_layout")
        con.executemany("INSERT INTO form1_layout VALUES (?, ?, ?, ?)", layout)
        con.execute("DELETE FROM risk_thresholds")
        con.execute("INSERT INTO risk_thresholds VALUES (?, ?, ?, ?, ?, ?, ?, ?)", thresholds)
        con.execute("DELETE FROM campaign_calendar")
        con.execute("INSERT INTO campaign_calendar VALUES (?, ?, ?, ?)", calendar)
