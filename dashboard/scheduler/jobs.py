"""The job table and the jobs: each a thin function over the sync engine, called directly by the tests.

Ids are stable: they name the lease ("job:<id>"), the JobRun and JobState rows and the scheduler page's URLs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.models import SyncKind, SyncStatus, SyncTrigger
from dashboard.scheduler.triggers import DailyAt, Every, Trigger

SCHEDULER_OPERATOR = "system:scheduler"


class JobOutcome(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # the slot was served without work (e.g. a sync someone started is still running)

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    JobOutcome.RUNNING: "运行中",
    JobOutcome.SUCCEEDED: "成功",
    JobOutcome.PARTIAL: "部分成功",
    JobOutcome.FAILED: "失败",
    JobOutcome.CANCELLED: "已取消",
    JobOutcome.SKIPPED: "已跳过",
}

_SYNC_OUTCOMES = {
    SyncStatus.SUCCEEDED: JobOutcome.SUCCEEDED,
    SyncStatus.PARTIAL: JobOutcome.PARTIAL,
    SyncStatus.FAILED: JobOutcome.FAILED,
    SyncStatus.CANCELLED: JobOutcome.CANCELLED,
}


@dataclass(frozen=True)
class JobResult:
    """What a job function reports; the runner writes it onto the JobRun row."""

    outcome: JobOutcome
    message: str | None = None
    sync_run_id: int | None = None


@dataclass(frozen=True)
class ScheduledJob:
    """One job as this app runs it: the table row resolved against the settings."""

    id: str
    name: str
    func: Callable[[], JobResult]
    trigger: Trigger
    enabled: bool = True
    enabled_setting: str | None = None


# --- the jobs -------------------------------------------------------------------------------------------------


def _from_summary(summary: Any) -> JobResult:
    status = SyncStatus(summary.status)
    message = (
        f"同步 #{summary.run_id}：共 {summary.total}，变更 {summary.changed}，"
        f"未变 {summary.unchanged}，失败 {summary.failed}"
    )
    if summary.message:
        message = f"{message}。{summary.message}"
    return JobResult(_SYNC_OUTCOMES.get(status, JobOutcome.FAILED), message[:500], summary.run_id)


def _run_scheduled_sync(kind: SyncKind) -> JobResult:
    # Imported on call: the engine pulls in the Haier client and the sync services, which the app factory
    # does not need just to build the job table.
    from dashboard.services import sync as sync_service

    try:
        summary = sync_service.run_sync(kind, trigger=SyncTrigger.SCHEDULE, operator=SCHEDULER_OPERATOR)
    except sync_service.SyncAlreadyRunning as busy:
        running_id = busy.run.id if busy.run is not None else None
        shown = f"#{running_id}" if running_id is not None else ""
        return JobResult(JobOutcome.SKIPPED, f"已有全量同步{shown}在运行，本次跳过", running_id)
    return _from_summary(summary)


def refresh_stock() -> JobResult:
    """Stock of every product for the default county, through the sync engine (ledger entries per change)."""
    return _run_scheduled_sync(SyncKind.STOCK)


def refresh_catalogue_and_prices() -> JobResult:
    """The daily catalogue refresh. The engine's catalogue run fetches each batch's prices with it, so one run
    covers both; a separate prices run would call Haier for every price twice."""
    return _run_scheduled_sync(SyncKind.CATALOGUE)


# --- the table ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobDefinition:
    id: str
    name: str
    func: Callable[[], JobResult]
    trigger: Callable[[Mapping[str, Any]], Trigger]
    enabled_setting: str

    def resolve(self, config: Mapping[str, Any]) -> ScheduledJob:
        return ScheduledJob(
            id=self.id,
            name=self.name,
            func=self.func,
            trigger=self.trigger(config),
            enabled=bool(config[self.enabled_setting]),
            enabled_setting=self.enabled_setting,
        )


def _stock_interval(config: Mapping[str, Any]) -> Trigger:
    minutes = int(config["SYNC_STOCK_INTERVAL_MINUTES"])
    if minutes <= 0:
        raise ValueError(f"SYNC_STOCK_INTERVAL_MINUTES must be positive, got {minutes}")
    return Every.minutes(minutes)


def _catalogue_daily(config: Mapping[str, Any]) -> Trigger:
    try:
        return DailyAt.parse(config["SYNC_CATALOGUE_DAILY_AT"])
    except ValueError as error:
        raise ValueError(f"SYNC_CATALOGUE_DAILY_AT: {error}") from None


JOB_TABLE: tuple[JobDefinition, ...] = (
    JobDefinition("sync_stock", "库存定时刷新", refresh_stock, _stock_interval, "SYNC_STOCK_SCHEDULED"),
    JobDefinition(
        "sync_catalogue",
        "商品目录与价格每日刷新",
        refresh_catalogue_and_prices,
        _catalogue_daily,
        "SYNC_CATALOGUE_SCHEDULED",
    ),
)


def configured_jobs(config: Mapping[str, Any]) -> list[ScheduledJob]:
    """The job table resolved against the settings; a bad setting raises ValueError at start-up."""
    return [definition.resolve(config) for definition in JOB_TABLE]
