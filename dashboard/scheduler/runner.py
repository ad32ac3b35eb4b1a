"""The in-process scheduler: APScheduler fires, the database decides who runs.

Every process with SCHEDULER_ENABLED runs a BackgroundScheduler with the same anchored triggers; each firing
goes through `fire()`, which runs the job only if it is not paused, this process wins the job's lease, and no
run has started since the slot's fire time (the winner of a slot may finish and release before a slower process
fires). Losers record nothing: four workers would otherwise write three "skipped" rows per slot.
"""

from __future__ import annotations

import atexit
import enum
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from dashboard.extensions import db
from dashboard.scheduler import history, lease
from dashboard.scheduler.jobs import JobOutcome, JobResult, ScheduledJob
from dashboard.timeutil import SHANGHAI, utcnow

logger = logging.getLogger(__name__)


def lease_name(job_id: str) -> str:
    return f"job:{job_id}"


class FiringStatus(enum.StrEnum):
    RAN = "ran"
    PAUSED = "paused"
    BUSY = "busy"  # another process (or thread) holds the lease: it is running the job
    ALREADY_RAN = "already_ran"  # this slot was served by another process


@dataclass(frozen=True)
class Firing:
    job_id: str
    status: FiringStatus
    job_run_id: int | None = None


class JobBusy(Exception):
    """The job is running somewhere (its lease is held); `holder` names the owner."""

    def __init__(self, job_id: str, holder: str | None) -> None:
        super().__init__(f"job {job_id} is running ({holder or 'unknown holder'})")
        self.job_id = job_id
        self.holder = holder


class UnknownJob(LookupError):
    pass


def _run_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and advances in real time, so a run given an explicit `now` stays
    consistent (finish after start, renewals after acquisition)."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


class JobScheduler:
    """The scheduler of one app: kept in app.extensions["scheduler"], reached through get_scheduler()."""

    def __init__(self, app: Flask, jobs: list[ScheduledJob]) -> None:
        self.app = app
        self.jobs = {job.id: job for job in jobs}
        self.lease_seconds = float(app.config["SCHEDULER_LEASE_SECONDS"])
        self.misfire_grace_seconds = int(app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"])
        self._scheduler: BackgroundScheduler | None = None
        self._started_pid: int | None = None
        self._start_lock = threading.Lock()
        self._manual_threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        # After a fork (gunicorn --preload) the child inherits the object but not the scheduler's thread.
        return self._scheduler is not None and self._scheduler.running and self._started_pid == os.getpid()

    def start(self) -> bool:
        """Start the BackgroundScheduler with the enabled jobs; False if it is running already."""
        with self._start_lock:
            if self.running:
                return False
            scheduler = BackgroundScheduler(
                timezone=SHANGHAI,
                executors={"default": ThreadPoolExecutor(max_workers=max(2, len(self.jobs)))},
                job_defaults={
                    "coalesce": True,
                    "max_instances": 1,
                    "misfire_grace_time": self.misfire_grace_seconds,
                },
            )
            for job in self.jobs.values():
                if job.enabled:
                    scheduler.add_job(
                        self.fire,
                        trigger=job.trigger.apscheduler_trigger(),
                        args=[job.id],
                        id=job.id,
                        name=job.name,
                        replace_existing=True,
                    )
            scheduler.start()
            self._scheduler, self._started_pid = scheduler, os.getpid()
            atexit.register(self.shutdown)
        logger.info("scheduler started", extra={"jobs": [j.id for j in self.jobs.values() if j.enabled]})
        return True

    def shutdown(self) -> None:
        """Stop firing. A run in progress finishes in its own thread (or its lease lapses if the process dies)."""
        with self._start_lock:
            scheduler, self._scheduler = self._scheduler, None
            atexit.unregister(self.shutdown)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            logger.info("scheduler stopped")

    def get_jobs(self) -> list:
        """APScheduler's jobs (id, name, next_run_time) while running here; empty otherwise."""
        return self._scheduler.get_jobs() if self.running else []

    def next_run_time(self, job_id: str, *, now: datetime | None = None) -> datetime | None:
        """When the job next fires: None when nothing here or elsewhere will fire it (scheduler off, job off)."""
        job = self._job(job_id)
        if not (job.enabled and self.app.config.get("SCHEDULER_ENABLED")):
            return None
        if self.running:
            scheduled = self._scheduler.get_job(job_id)
            return scheduled.next_run_time if scheduled else None
        # Enabled but not started in this process (a CLI process): the anchored trigger says the same.
        return job.trigger.next_fire_time(now or utcnow())

    def _job(self, job_id: str) -> ScheduledJob:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise UnknownJob(job_id) from None

    # --- firing ---------------------------------------------------------------------------------------------

    def fire(self, job_id: str, *, now: datetime | None = None) -> Firing:
        """What APScheduler calls: run the job for the current slot unless paused, busy or already served."""
        job = self._job(job_id)
        with self.app.app_context():
            now = now or utcnow()
            if history.is_paused(job_id):
                logger.info("scheduled job paused, not run", extra={"job_id": job_id})
                return Firing(job_id, FiringStatus.PAUSED)
            owner = lease.new_owner()
            held = lease.try_acquire(lease_name(job_id), owner, self.lease_seconds, now=now)
            if held is None:
                logger.debug("job lease held elsewhere, not run", extra={"job_id": job_id})
                return Firing(job_id, FiringStatus.BUSY)
            try:
                if history.ran_since(job_id, job.trigger.previous_fire_time(now)):
                    return Firing(job_id, FiringStatus.ALREADY_RAN)
                run_id = history.start_run(job_id, owner, now)
                self._execute(job, held, run_id, _run_clock(now), note=None)
            finally:
                lease.release(held.name, owner)
            return Firing(job_id, FiringStatus.RAN, run_id)

    def run_now(self, job_id: str, *, requested_by: str, now: datetime | None = None) -> int:
        """Start the job at once in a background thread, paused or not; returns the new JobRun's id.

        The lease is taken here, in the caller's thread, so the caller learns at once whether the job is
        already running (JobBusy) and the page shows the new run as running on its next render.
        """
        job = self._job(job_id)
        now = now or utcnow()
        owner = lease.new_owner()
        held = lease.try_acquire(lease_name(job_id), owner, self.lease_seconds, now=now)
        if held is None:
            current = lease.holder(lease_name(job_id), now=now)
            raise JobBusy(job_id, current.owner if current else None)
        note = f"由 {requested_by} 手动运行"
        try:
            history.note_run_requested(job_id, now)
            run_id = history.start_run(job_id, owner, now, message=note)
        except BaseException:
            lease.release(held.name, owner)
            raise
        thread = threading.Thread(
            target=self._run_manual,
            args=(job, held, run_id, _run_clock(now), note),
            name=f"job-{job_id}-manual",
            # A daemon: a worker being recycled must not wait for a sync; its lease lapses and the next
            # holder closes the run as failed.
            daemon=True,
        )
        self._manual_threads = [t for t in self._manual_threads if t.is_alive()] + [thread]
        thread.start()
        history.end_session_snapshot()
        logger.info(
            "job started by hand", extra={"job_id": job_id, "job_run_id": run_id, "user": requested_by}
        )
        return run_id

    def join_manual_runs(self, timeout: float = 30.0) -> bool:
        """Wait for "run now" threads (tests, shutdown); True when none is left running."""
        deadline = time.monotonic() + timeout
        for thread in list(self._manual_threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._manual_threads)

    def _run_manual(self, job, held, run_id, clock, note) -> None:
        with self.app.app_context():
            try:
                self._execute(job, held, run_id, clock, note=note)
            finally:
                lease.release(held.name, held.owner)

    def _execute(self, job: ScheduledJob, held: lease.Lease, run_id: int, clock, *, note: str | None) -> None:
        logger.info("job started", extra={"job_id": job.id, "job_run_id": run_id, "owner": held.owner})
        with lease.LeaseKeeper(self.app, held, self.lease_seconds, clock=clock) as keeper:
            try:
                result = job.func()
            except Exception as exc:
                db.session.rollback()
                logger.exception("job failed", extra={"job_id": job.id, "job_run_id": run_id})
                result = JobResult(JobOutcome.FAILED, f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()
        message = "；".join(part for part in (note, result.message) if part)
        if keeper.lost.is_set():
            message = f"{message}（运行期间租约丢失，可能与其他进程重叠）"
        history.finish_run(run_id, result, clock(), message or None)
        logger.info(
            "job finished",
            extra={"job_id": job.id, "job_run_id": run_id, "outcome": str(result.outcome)},
        )
