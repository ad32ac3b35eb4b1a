"""Figures for the monitoring page, read from the persisted rolling window and the sync runs.

Definitions (the page and the README say the same):
- Haier API calls are the business endpoints; the token endpoint counts as authentication instead, and its
  time is already inside the business call that needed the token.
- latency p50/p95: over every business call, failed ones included (a timeout is what the user waited),
  estimated from the histogram buckets like Prometheus's histogram_quantile.
- authentication success rate: token requests that returned a token / all token requests.
- stock query success rate: `check_stock` calls with outcome ok / all `check_stock` calls.
- error rate: business calls whose outcome is not ok (business error, auth error, unavailable, protocol
  error) / all business calls. A business error is counted: the caller got no usable answer.
- a window of N minutes is the current minute and the N-1 before it.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import HaierCallBucket, SyncRun
from dashboard.services.monitoring import floor_minute, flush, merge_histograms, quantile
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)
TOKEN_ENDPOINT = "token"
STOCK_ENDPOINT = "check_stock"
OK = "ok"


@dataclass(frozen=True)
class Thresholds:
    """The old system's alert thresholds."""

    latency_seconds: float = 30.0
    auth_success: float = 0.95
    query_success: float = 0.90
    error_rate: float = 0.05


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Row:
    minute: datetime
    endpoint: str
    outcome: str
    count: int
    histogram: dict[str, int]


@dataclass(frozen=True)
class SeriesPoint:
    start: datetime
    calls: int
    latency_p95: float | None
    error_rate: float | None


@dataclass(frozen=True)
class WindowFigures:
    name: str
    minutes: int
    since: datetime
    until: datetime
    calls: int
    errors: int
    latency_p50: float | None
    latency_p95: float | None
    auth_attempts: int
    auth_failures: int
    stock_queries: int
    stock_failures: int
    outcomes: dict[str, int]
    sync_outcomes: dict[str, dict[str, int]]  # kind → status → runs
    series: list[SeriesPoint]
    thresholds: Thresholds = THRESHOLDS

    @property
    def auth_success_rate(self) -> float | None:
        return _ratio(self.auth_attempts - self.auth_failures, self.auth_attempts)

    @property
    def stock_success_rate(self) -> float | None:
        return _ratio(self.stock_queries - self.stock_failures, self.stock_queries)

    @property
    def error_rate(self) -> float | None:
        return _ratio(self.errors, self.calls)

    # Each alert is None without data: "no calls" is neither healthy nor breached.
    @property
    def latency_alert(self) -> bool | None:
        if self.latency_p95 is None:
            return None
        return self.latency_p95 > self.thresholds.latency_seconds

    @property
    def auth_alert(self) -> bool | None:
        rate = self.auth_success_rate
        return None if rate is None else rate < self.thresholds.auth_success

    @property
    def stock_alert(self) -> bool | None:
        rate = self.stock_success_rate
        return None if rate is None else rate < self.thresholds.query_success

    @property
    def error_alert(self) -> bool | None:
        rate = self.error_rate
        return None if rate is None else rate > self.thresholds.error_rate


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def load_rows(since: datetime) -> list[Row]:
    result = db.session.execute(
        select(
            HaierCallBucket.minute,
            HaierCallBucket.endpoint,
            HaierCallBucket.outcome,
            HaierCallBucket.count,
            HaierCallBucket.latency_histogram,
        ).where(HaierCallBucket.minute >= since)
    )
    return [Row(m, e, o, c, dict(h or {})) for m, e, o, c, h in result]


def sync_outcomes(since: datetime) -> dict[str, dict[str, int]]:
    """Sync runs that finished (or, still running, started) within the window, by kind and status."""
    moment = func.coalesce(SyncRun.finished_at, SyncRun.started_at)
    result = db.session.execute(
        select(SyncRun.kind, SyncRun.status, func.count())
        .where(moment >= since)
        .group_by(SyncRun.kind, SyncRun.status)
    )
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, runs in result:
        outcomes[kind][status] = runs
    return dict(outcomes)


def window_figures(
    name: str, minutes: int, slot_minutes: int, now: datetime | None = None, rows: list[Row] | None = None
) -> WindowFigures:
    """The figures of the last `minutes` minutes, with a series in slots of `slot_minutes`."""
    until = floor_minute(now or utcnow())
    since = until - timedelta(minutes=minutes - 1)
    if rows is None:
        rows = load_rows(since)
    rows = [r for r in rows if since <= r.minute <= until]
    business = [r for r in rows if r.endpoint != TOKEN_ENDPOINT]
    tokens = [r for r in rows if r.endpoint == TOKEN_ENDPOINT]
    stock = [r for r in rows if r.endpoint == STOCK_ENDPOINT]
    latency = merge_histograms(r.histogram for r in business)
    outcomes: Counter[str] = Counter()
    for r in business:
        outcomes[r.outcome] += r.count
    return WindowFigures(
        name=name,
        minutes=minutes,
        since=since,
        until=until,
        calls=_count(business),
        errors=_count(r for r in business if r.outcome != OK),
        latency_p50=quantile(latency, 0.50),
        latency_p95=quantile(latency, 0.95),
        auth_attempts=_count(tokens),
        auth_failures=_count(r for r in tokens if r.outcome != OK),
        stock_queries=_count(stock),
        stock_failures=_count(r for r in stock if r.outcome != OK),
        outcomes=dict(outcomes),
        sync_outcomes=sync_outcomes(since),
        series=_series(business, until, minutes, slot_minutes),
    )


def _count(rows) -> int:
    return sum(r.count for r in rows)


def _series(rows: list[Row], until: datetime, minutes: int, slot_minutes: int) -> list[SeriesPoint]:
    """Points on clock-aligned slots (5-minute, hourly), the last one holding the current minute."""
    slot = timedelta(minutes=slot_minutes)
    last_start = until - timedelta(minutes=(until.hour * 60 + until.minute) % slot_minutes)
    count = -(-minutes // slot_minutes)
    first_start = last_start - (count - 1) * slot
    slots: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        slots[(r.minute - first_start) // slot].append(r)
    points = []
    for index in range(count):
        in_slot = slots.get(index, [])
        calls = _count(in_slot)
        points.append(
            SeriesPoint(
                start=first_start + index * slot,
                calls=calls,
                latency_p95=quantile(merge_histograms(r.histogram for r in in_slot), 0.95),
                error_rate=_ratio(_count(r for r in in_slot if r.outcome != OK), calls),
            )
        )
    return points


def monitoring_overview(now: datetime | None = None) -> list[WindowFigures]:
    """The last hour (5-minute points) and the last 24 hours (hourly points), from one read of the window.

    This process's pending tallies are written first, so the page agrees with the calls just made here;
    other workers' calls show within their flush interval.
    """
    try:
        flush()
    except Exception as exc:
        logger.warning("monitoring flush before reading failed: %s", type(exc).__name__)
    # End the session's transaction: on SQLite a read transaction keeps the snapshot it started with
    # (e.g. when the signed-in user was loaded) and would not see the rows the flush just wrote.
    db.session.rollback()
    now = now or utcnow()
    rows = load_rows(floor_minute(now) - timedelta(hours=24))
    return [
        window_figures("hour", 60, 5, now=now, rows=rows),
        window_figures("day", 24 * 60, 60, now=now, rows=rows),
    ]
