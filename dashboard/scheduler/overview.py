"""What the scheduler page and /health show about each job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.models import JobRun
from dashboard.scheduler import history, lease
from dashboard.scheduler.jobs import JobOutcome
from dashboard.scheduler.runner import JobScheduler, lease_name
from dashboard.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class JobOverview:
    id: str
    name: str
    schedule: str  # "每 30 分钟", "每天 03:30（北京时间）"
    enabled: bool
    enabled_setting: str | None
    paused: bool
    next_run_time: datetime | None
    last_run: JobRun | None
    holder: str | None  # owner of the unexpired lease: the job is running there

    @property
    def running(self) -> bool:
        return self.holder is not None

    @property
    def last_outcome(self) -> JobOutcome | None:
        return JobOutcome(self.last_run.outcome) if self.last_run else None

    def last_run_age_seconds(self, now: datetime) -> float | None:
        if self.last_run is None:
            return None
        return (now - as_utc(self.last_run.finished_at or self.last_run.started_at)).total_seconds()


def job_overviews(scheduler: JobScheduler, *, now: datetime | None = None) -> list[JobOverview]:
    now = now or utcnow()
    states = history.states(list(scheduler.jobs))
    overviews = []
    for job in scheduler.jobs.values():
        state = states.get(job.id)
        current = lease.holder(lease_name(job.id), now=now)
        overviews.append(
            JobOverview(
                id=job.id,
                name=job.name,
                schedule=job.trigger.describe(),
                enabled=job.enabled,
                enabled_setting=job.enabled_setting,
                paused=bool(state and state.paused),
                next_run_time=scheduler.next_run_time(job.id, now=now),
                last_run=history.last_run(job.id),
                holder=current.owner if current else None,
            )
        )
    return overviews
