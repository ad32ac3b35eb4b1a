"""Scheduled jobs: APScheduler in the app process, one runner per slot across processes through a database lease.

init_app(app)                 builds the job table; starts the scheduler when SCHEDULER_ENABLED and serving
get_scheduler(app=None)       this app's JobScheduler (fire, run_now, next_run_time, running)
scheduler_status(app) -> dict for /health
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, current_app

from dashboard.scheduler.jobs import JobOutcome, JobResult, ScheduledJob, configured_jobs
from dashboard.scheduler.runner import Firing, FiringStatus, JobBusy, JobScheduler, UnknownJob, lease_name
from dashboard.timeutil import as_utc, utcnow

__all__ = [
    "Firing",
    "FiringStatus",
    "JobBusy",
    "JobOutcome",
    "JobResult",
    "JobScheduler",
    "ScheduledJob",
    "UnknownJob",
    "get_scheduler",
    "init_app",
    "install",
    "lease_name",
    "scheduler_status",
    "serving_process",
]

EXTENSION_KEY = "scheduler"
logger = logging.getLogger(__name__)


def serving_process() -> bool:
    """Whether this process serves requests, so a scheduler belongs in it.

    Not the reloader's watcher (`flask run` with reload: its child, WERKZEUG_RUN_MAIN=true, serves) and not a
    `flask db upgrade` or `flask sync-haier-products`; gunicorn workers and other WSGI servers do serve.
    """
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return True
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return True
    import click
    from flask.helpers import get_debug_flag

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    return not (get_debug_flag() if reload is None else reload)


def init_app(app: Flask) -> None:
    """Build the scheduler from the job table (a bad schedule setting fails start-up) and start it where it
    belongs. Called once per app; a second call changes nothing."""
    if EXTENSION_KEY in app.extensions:
        return
    scheduler = install(app, configured_jobs(app.config))
    if not app.config.get("SCHEDULER_ENABLED"):
        return
    if serving_process():
        scheduler.start()
    else:
        logger.info("scheduler not started: this process does not serve requests")


def install(app: Flask, jobs: list[ScheduledJob]) -> JobScheduler:
    """Put a JobScheduler with `jobs` on the app (replacing and stopping any earlier one). Tests use it to run
    stand-in jobs through the real machinery."""
    previous = app.extensions.get(EXTENSION_KEY)
    if previous is not None:
        previous.shutdown()
    scheduler = JobScheduler(app, jobs)
    app.extensions[EXTENSION_KEY] = scheduler
    return scheduler


def get_scheduler(app: Flask | None = None) -> JobScheduler:
    app = app or current_app._get_current_object()
    return app.extensions[EXTENSION_KEY]


def _iso(moment) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def scheduler_status(app: Flask) -> dict[str, Any]:
    """Whether this process's scheduler runs, and each job's next run, pause flag and last recorded run.

    last_run.age_seconds counts from the run's finish (from its start while it is still running).
    """
    from dashboard.scheduler.overview import job_overviews

    scheduler = get_scheduler(app)
    with app.app_context():
        now = utcnow()
        jobs = []
        for job in job_overviews(scheduler, now=now):
            run = job.last_run
            jobs.append(
                {
                    "id": job.id,
                    "name": job.name,
                    "enabled": job.enabled,
                    "next_run_time": _iso(job.next_run_time),
                    "paused": job.paused,
                    "last_run": None
                    if run is None
                    else {
                        "outcome": run.outcome,
                        "started_at": _iso(run.started_at),
                        "finished_at": _iso(run.finished_at),
                        "age_seconds": round(job.last_run_age_seconds(now), 1),
                    },
                }
            )
    return {"enabled": bool(app.config.get("SCHEDULER_ENABLED")), "running": scheduler.running, "jobs": jobs}
