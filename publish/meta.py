"""What every published sheet knows about the run (PublishMeta) and the words for the warehouse's codes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

STATUS_ZH = {"accepted": "受理", "rejected": "退回", "duplicate": "重复", "missing": "未报送"}
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
KIND_ZH = {"county": "县区", "department": "市直部门"}


@dataclass(frozen=True)
class PublishMeta:
    data_date: dt.date
    generated_at: dt.datetime            # local time of the run (naive)
    timezone: str = "Asia/Shanghai"      # how UTC warehouse timestamps are shown
    campaign_name: str = ""
    risk: dict = field(default_factory=dict)
    office: dict = field(default_factory=dict)     # config [office]: name, contact, phone, email
    date_given: bool = False             # --date: the forms are signed on it (else on the units' latest footer date)
    detail_units_max: int = 200          # config [publish]: 分单位明细 lists each unit's rows up to this many units
