"""Read-only Haier look-ups for staff: the payer account balances and an order's logistics.

The logistics lists have no published item shape, so they are turned into generic timelines here:
a time, a status text, and every other field kept as a labelled extra, never dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dashboard.haier import get_haier_client
from dashboard.haier.types import AccountBalance, LogisticsInfo

TIME_KEYS = ("time", "operateTime", "operationTime", "createTime", "acceptTime", "updateTime", "date")
STATUS_KEYS = ("status", "statusName", "statusText", "state", "nodeName", "content", "context", "description")
KNOWN_LABELS = {
    "description": "说明",
    "courier": "快递公司",
    "trackingNo": "运单号",
    "secCode": "仓库",
    "location": "地点",
    "operator": "操作人",
    "remark": "备注",
}
TIMELINE_TITLES = (
    ("unified", "统仓/云仓物流"),
    ("delivery_records", "发货记录"),
    ("third_party", "第三方快递"),
)


@dataclass(frozen=True)
class TimelineEntry:
    time: str | None
    status: str | None
    extras: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Timeline:
    key: str
    title: str
    entries: list[TimelineEntry]


def account_balances() -> list[AccountBalance]:
    """Haier's payer account balance per sales organisation; Haier errors are raised typed."""
    return get_haier_client().get_account_balance()


def total_balance(balances: list[AccountBalance]) -> Decimal:
    return sum((b.balance for b in balances), Decimal("0"))


def order_logistics(order_code: str, delivery_record_code: str | None = None) -> LogisticsInfo:
    """The three logistics lists of an order (optionally one delivery record); Haier errors are raised typed."""
    return get_haier_client().get_logistics_info(order_code, delivery_record_code or None)


def timelines(info: LogisticsInfo) -> list[Timeline]:
    return [
        Timeline(key, title, [timeline_entry(item) for item in getattr(info, key)])
        for key, title in TIMELINE_TITLES
    ]


def timeline_entry(item: dict[str, Any]) -> TimelineEntry:
    """One logistics item as time + status + the remaining fields (a repeated status text is not shown twice)."""
    time_key = _first_key(item, TIME_KEYS) or next(
        (k for k in item if ("time" in k.lower() or "date" in k.lower()) and _text(item[k])), None
    )
    status_key = _first_key(item, STATUS_KEYS)
    status = _text(item.get(status_key)) if status_key else None
    extras = []
    for key, value in item.items():
        text = _text(value)
        if key in (time_key, status_key) or not text or text == status:
            continue
        extras.append((KNOWN_LABELS.get(key, key), text))
    return TimelineEntry(time=_text(item.get(time_key)) if time_key else None, status=status, extras=extras)


def _first_key(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if _text(item.get(k))), None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()
