"""A validation problem, as every stage reports it: file, sheet, cell, rule, severity, value."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    rule: str                  # rule code (fixtures/README.md codes, plus our own)
    severity: str              # error | warning
    message: str               # plain-language reason, Chinese first
    form: str | None = None    # 附件1 / 附件2 / 附件3, None for whole-file problems
    sheet: str | None = None
    cell: str | None = None    # A1-style reference, or a range for a row
    value: str | None = None   # the value found, as text

    def as_dict(self) -> dict:
        return asdict(self)


def error(rule: str, message: str, **where) -> Issue:
    return Issue(rule=rule, severity=ERROR, message=message, **where)


def warning(rule: str, message: str, **where) -> Issue:
    return Issue(rule=rule, severity=WARNING, message=message, **where)
