"""Filters of the stock log and reservation pages, read from query args (the same args drive the CSV export)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from dashboard.models import ChangeType, ReservationStatus, Source
from dashboard.timeutil import SHANGHAI, to_local, utcnow

MAX_TEXT = 100
MAX_PAGE = 1_000_000


class InvalidFilter(ValueError):
    """A query parameter that cannot be corrected: answered with 400 and this message."""


@dataclass
class LedgerFilter:
    q: str = ""  # product code, model or name
    product_id: int | None = None
    operator: str = ""
    date_from: date | None = None  # Asia/Shanghai calendar days, both ends included
    date_to: date | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list, repr=False)

    def query_args(self, **overrides) -> dict:
        """The non-default arguments as strings, for links that keep the current filter."""
        defaults = type(self)()
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "errors"}
        values.update(overrides)
        return {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in values.items()
            if v is not None and v != getattr(defaults, k, None)
        }

    @property
    def utc_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC for the chosen local days."""
        start = datetime.combine(self.date_from, time(), SHANGHAI) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time(), SHANGHAI) if self.date_to else None
        return start, end

    def filename(self, stem: str) -> str:
        """`stem_<from>_<to>.csv`: an open start says `all`, an open end is today (the export's last day)."""
        start = self.date_from.isoformat() if self.date_from else "all"
        end = (self.date_to or to_local(utcnow()).date()).isoformat()
        return f"{stem}_{start}_{end}.csv"


@dataclass
class LogFilter(LedgerFilter):
    change_type: str = ""
    source: str = ""


@dataclass
class ReservationFilter(LedgerFilter):
    status: str = ""


def parse_log_filter(args) -> LogFilter:
    f = LogFilter(**_common(args))
    f.change_type = _choice(args, "change_type", [t.value for t in ChangeType], "变动类型")
    f.source = _choice(args, "source", [s.value for s in Source], "来源")
    return f


def parse_reservation_filter(args) -> ReservationFilter:
    f = ReservationFilter(**_common(args))
    f.status = _choice(args, "status", [s.value for s in ReservationStatus], "状态")
    return f


def _common(args) -> dict:
    date_from = _date(args, "date_from", "开始日期")
    date_to = _date(args, "date_to", "结束日期")
    if date_from and date_to and date_from > date_to:
        raise InvalidFilter(f"开始日期 {date_from} 晚于结束日期 {date_to}")
    return {
        "q": (args.get("q") or "").strip()[:MAX_TEXT],
        "product_id": _int(args, "product_id", "商品编号"),
        "operator": (args.get("operator") or "").strip()[:MAX_TEXT],
        "date_from": date_from,
        "date_to": date_to,
        "page": _page(args.get("page")),
    }


def _choice(args, name: str, allowed: list[str], label: str) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        raise InvalidFilter(f"{label}参数无效：{value}")
    return value


def _date(args, name: str, label: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFilter(f"{label}格式无效：{value}（应为 YYYY-MM-DD）") from None


def _int(args, name: str, label: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise InvalidFilter(f"{label}参数无效：{value}")
    return int(value)


def _page(raw: str | None) -> int:
    try:
        return min(max(int(raw or "1"), 1), MAX_PAGE)
    except ValueError:
        return 1
