"""Stand-in jobs for exercising the scheduler machinery without the sync engine."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import JobRun, SyncRun, SyncStatus
from dashboard.scheduler import JobOutcome, JobResult, ScheduledJob
from dashboard.scheduler.triggers import Every

# A fixed instant well inside a 30-minute slot (10:40 in Shanghai), so tests can step slots exactly.
T0 = datetime(2025, 3, 3, 2, 40, tzinfo=UTC)
HALF_HOUR = Every.minutes(30)


def record_sync_run() -> JobResult:
    """What a real job does, in miniature: one SyncRun per run, reported back."""
    run = SyncRun(
        kind="stock", trigger="schedule", operator="system:scheduler", status=SyncStatus.SUCCEEDED.value
    )
    db.session.add(run)
    db.session.commit()
    return JobResult(JobOutcome.SUCCEEDED, "stand-in sync", run.id)


class BlockingJob:
    """A job that runs until the test lets it finish, to hold the lease for as long as the test needs."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self) -> JobResult:
        self.calls += 1
        self.started.set()
        assert self.release.wait(10), "the test never released the blocking job"
        return JobResult(JobOutcome.SUCCEEDED, "blocking job done")


def stand_in(func=record_sync_run, *, job_id: str = "stand_in", trigger=HALF_HOUR) -> ScheduledJob:
    return ScheduledJob(id=job_id, name="测试任务", func=func, trigger=trigger, enabled=True)


def job_runs(job_id: str | None = None) -> list[JobRun]:
    # End the session's transaction: on SQLite an open one keeps reading its old snapshot.
    db.session.rollback()
    stmt = select(JobRun).order_by(JobRun.id)
    if job_id is not None:
        stmt = stmt.where(JobRun.job_id == job_id)
    return list(db.session.execute(stmt).scalars())


def sync_run_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(SyncRun)).scalar_one()
