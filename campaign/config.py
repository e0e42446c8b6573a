"""Load the one configuration file (campaign/config.toml, or --config / $CAMPAIGN_CONFIG)."""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from campaign.config_schema import validate
from campaign.errors import InputError
from campaign.obligations import obligations

DEFAULT_CONFIG = Path(__file__).with_name("config.toml")


@dataclass(frozen=True)
class Config:
    raw: dict[str, Any]
    source: Path

    # --- units registry ---------------------------------------------------------------
    @property
    def counties(self) -> list[str]:
        return list(self.raw["units"]["counties"])

    @property
    def departments(self) -> list[str]:
        return list(self.raw["units"]["departments"])

    @property
    def units(self) -> list[str]:
        return self.counties + self.departments

    @cached_property
    def _unit_kinds(self) -> dict[str, str]:      # a province's registry has thousands of units
        return {**{u: "department" for u in self.departments}, **{u: "county" for u in self.counties}}

    def unit_kind(self, unit: str) -> str | None:
        """'county', 'department', or None for a folder that is not a registry unit."""
        return self._unit_kinds.get(unit)

    def required_forms(self, unit: str) -> list[str]:
        kind = self.unit_kind(unit)
        return list(self.raw["units"]["required_forms"][kind]) if kind else []

    # --- calendar and schedule ---------------------------------------------------------
    @property
    def timezone(self) -> str:
        return self.raw["campaign"]["timezone"]

    def date(self, key: str) -> dt.date:
        value = self.raw["campaign"][key]
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    def screening_window(self) -> tuple[dt.date, dt.date]:
        """The screening phase's first and last day: the scheduled runs fall inside it."""
        start, end = self.date("screening_start"), self.date("screening_end")
        if end < start:
            raise ValueError(f"screening_end {end} is before screening_start {start} in {self.source}")
        return start, end

    @property
    def forms_due(self) -> dt.date:
        return self.date("forms_due")

    # --- paths -----------------------------------------------------------------------------
    @property
    def inbox(self) -> Path:
        return Path(self.raw["paths"]["inbox"]).expanduser().resolve()

    @property
    def data_dir(self) -> Path:
        return Path(self.raw["paths"]["data_dir"]).expanduser().resolve()

    def outbox_for(self, inbox: Path | None = None) -> Path:
        """Where units look for their receipts (publish/outbox.py): [paths] outbox, a relative one beside
        the inbox the run reads (default `outbox`): `--inbox /srv/share/inbox` answers in /srv/share/outbox."""
        given = Path(str(self.raw["paths"].get("outbox") or "outbox")).expanduser()
        return given if given.is_absolute() else (Path(inbox or self.inbox).resolve().parent / given).resolve()

    # --- sections -----------------------------------------------------------------------
    @cached_property
    def intake(self) -> dict[str, Any]:
        """The [intake] section, plus the campaign's years (footer dates outside them are warned about)
        and the plausibility limit of [validation] (what a file is examined with, in any worker)."""
        first = "mobilisation_start" if "mobilisation_start" in self.raw["campaign"] else "screening_start"
        years = tuple(range(self.date(first).year, self.date("screening_end").year + 1))
        per_person = self.raw["validation"].get("amount_per_person_max", "100")
        return {**self.raw["intake"], "campaign_years": years, "amount_per_person_max": str(per_person)}

    @property
    def risk(self) -> dict[str, Any]:
        return self.raw["risk"]

    @property
    def check_window_hours(self) -> float:
        """`campaign status --check`: the last completed run must be at most this old (default 26 h)."""
        return float(self.operations.get("check_window_hours", 26))

    @property
    def run_lock_wait(self) -> float:
        return float(self.raw.get("operations", {}).get("run_lock_wait_seconds", 0))

    @property
    def operations(self) -> dict[str, Any]:
        return self.raw.get("operations", {})

    @property
    def office(self) -> dict[str, str]:
        """[office]: name, contact, phone, email (each may be empty)."""
        raw = self.raw.get("office", {})
        return {k: str(raw.get(k, "")) for k in ("name", "contact", "phone", "email")}

    @property
    def sum_tolerance(self) -> Decimal:
        return Decimal(str(self.raw["validation"]["sum_tolerance"]))


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the config file: explicit path, else $CAMPAIGN_CONFIG, else the packaged default."""
    if path is not None and not str(path).strip():
        raise InputError("--config '': empty; give a config file (or leave --config out for the default)")
    source = Path(path or os.environ.get("CAMPAIGN_CONFIG") or DEFAULT_CONFIG).expanduser()
    try:
        data = source.read_bytes()
        # Windows Notepad saves "UTF-8" with a byte-order mark, which TOML does not allow: dropped
        raw = tomllib.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except OSError as exc:
        raise InputError(f"config {source}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"config {source}: not UTF-8 text (save it as UTF-8; a workbook or a GBK-encoded "
                         f"file is not a config)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config {source}: not valid TOML ({exc})") from None
    validate(raw, source)   # one line naming the key and value, before anything runs
    config = Config(raw=raw, source=source)
    try:
        obligations(config)   # [obligations] is nested: its own reader checks it, now rather than mid-run
    except ValueError as exc:
        raise InputError(f"config {source}: {exc}") from None
    return config
