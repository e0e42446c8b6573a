"""The frames publish reads, assembled from each room's reads (queries, documents, dues): the whole
night's (read_summary) or an intake's, without the consolidated figures (read_outbox_frames)."""
from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.documents import add_document_frames
from warehouse.dues import add_dues_frames
from warehouse.queries import (SummaryFrames, city_stats, company_candidates, county_qualification,
                               credit_code_conflicts, reporting_status, risk_ledger, risk_reports, submissions,
                               unit_stats, validation_issues)


def read_summary(con, units: list[str]) -> SummaryFrames:
    """Everything the night publishes: the consolidated figures and each room's frames."""
    return add_dues_frames(con, add_document_frames(con, units, SummaryFrames(
        city_stats=city_stats(con), unit_stats=unit_stats(con, units), risk_ledger=risk_ledger(con),
        risk_reports=risk_reports(con, units), county_qualification=county_qualification(con, units),
        reporting_status=reporting_status(con, units), validation_issues=validation_issues(con, units),
        submissions=submissions(con, units), company_candidates=company_candidates(con),
        credit_code_conflicts=credit_code_conflicts(con))))


def read_outbox_frames(con: duckdb.DuckDBPyConnection, units: list[str]):
    """What the receipts and the outbox are built from, without the consolidated figures an intake
    run does not publish (city_stats, the ledger, ...: empty frames)."""
    empty = pd.DataFrame()
    frames = SummaryFrames(
        city_stats=empty, unit_stats=empty, risk_ledger=empty, risk_reports=empty, county_qualification=empty,
        reporting_status=reporting_status(con, units), validation_issues=validation_issues(con, units),
        submissions=submissions(con, units))
    return add_dues_frames(con, add_document_frames(con, units, frames))
