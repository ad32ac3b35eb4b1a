"""/health: is the dashboard able to do its job, and if not, which part is failing.

Overall status, from the worst check:
- unhealthy (HTTP 503) when the database is down: nothing works without it (sign-in, catalogue, ledger),
  so a load balancer should take this instance out;
- degraded (HTTP 200) when the cache, the Haier link or the scheduler is down, or the last stock sync is too
  old: pages still work (stock checks fall back to the last known figures, the token is fetched in-process
  without Redis), and taking the instance out would not help since every instance shares the same fault;
- healthy otherwise. A subsystem that is switched off (scheduler disabled here) is reported, not judged.

Bodies carry statuses, ages, latencies and exception class names, never messages that could hold a URL,
credential or stack trace (Haier errors are the exception: their text is masked at the source).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select, text

from dashboard.extensions import cache, db
from dashboard.haier import HaierConfigError, HaierError
from dashboard.models import JobRun, JobState, SyncKind, SyncRun, SyncStatus
from dashboard.timeutil import as_utc, utcnow

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
OK, DOWN = "ok", "down"
# Check statuses that make the whole report degraded (unhealthy is decided by the database alone).
DEGRADING = {"down", "not_configured", "stale", "never"}
# Partial runs count as a completed stock sync: they went through the catalogue and their failed items
# are listed on the sync page; counting only "succeeded" would let one product Haier keeps refusing turn
# the dashboard permanently degraded.
COMPLETED_SYNC = (SyncStatus.SUCCEEDED.value, SyncStatus.PARTIAL.value)
PROBE_KEY = "health_haier_probe"


@dataclass(frozen=True)
class Check:
    status: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.details}


@dataclass(frozen=True)
class HealthReport:
    status: str
    checked_at: datetime
    checks: dict[str, Check]

    @property
    def http_status(self) -> int:
        return 503 if self.status == UNHEALTHY else 200

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checked_at": self.checked_at.isoformat(),
            "checks": {name: check.to_dict() for name, check in self.checks.items()},
        }


def health_report() -> HealthReport:
    """Run every check (the Haier one from a cached probe) and judge the whole."""
    checks = {
        "database": check_database(),
        "cache": check_cache(),
        "haier": check_haier(),
        "scheduler": check_scheduler(),
        "stock_sync": check_stock_sync(),
    }
    return HealthReport(overall(checks), utcnow(), checks)


def overall(checks: dict[str, Check]) -> str:
    if checks["database"].status != OK:
        return UNHEALTHY
    if any(check.status in DEGRADING for check in checks.values()):
        return DEGRADED
    return HEALTHY


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _failed(exc: BaseException, **details: Any) -> Check:
    return Check(DOWN, {"error": type(exc).__name__, **details})


def _rollback_quietly() -> None:
    with contextlib.suppress(Exception):  # the connection may be gone already; nothing more to undo
        db.session.rollback()


def check_database() -> Check:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:
        _rollback_quietly()
        return _failed(exc, latency_ms=_ms(started))
    latency = _ms(started)
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        _rollback_quietly()
        revision = None
    return Check(OK, {"latency_ms": latency, "schema_revision": revision})


def check_cache() -> Check:
    backend = current_app.config.get("CACHE_TYPE")
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    started = time.perf_counter()
    try:
        cache.set(key, value, timeout=30)
        read = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _failed(exc, backend=backend, latency_ms=_ms(started))
    if read != value:
        return Check(DOWN, {"backend": backend, "error": "value not read back", "latency_ms": _ms(started)})
    return Check(OK, {"backend": backend, "latency_ms": _ms(started)})


# --- Haier ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    check: Check
    finished: float  # monotonic


class HaierProbe:
    """One token probe at a time, its result reused for `ttl` seconds.

    The probe runs on its own thread and /health waits for it at most `wait` seconds, so a Haier that hangs
    makes /health say "down" quickly instead of hanging the load balancer's check with it.
    """

    def __init__(self, client: Any, *, ttl: float, wait: float) -> None:
        self._client = client
        self.ttl = ttl
        self.wait = wait
        self._lock = threading.Lock()
        self._last: ProbeResult | None = None
        self._running: threading.Event | None = None

    def result(self) -> Check:
        with self._lock:
            last = self._last
            if last is not None and time.monotonic() - last.finished < self.ttl:
                return _aged(last)
            if self._running is None:
                self._running = threading.Event()
                threading.Thread(
                    target=self._probe, args=(self._running,), name="haier-health-probe", daemon=True
                ).start()
            running = self._running
        if not running.wait(self.wait):
            return Check(DOWN, {"error": "timeout", "waited_ms": round(self.wait * 1000)})
        with self._lock:
            return _aged(self._last)

    def _probe(self, done: threading.Event) -> None:
        started = time.perf_counter()
        checked_at = utcnow().isoformat()
        try:
            fetched = self._client.ensure_token()
            check = Check(OK, {"token": "fetched" if fetched else "cached"})
        except HaierConfigError as exc:
            check = Check("not_configured", {"setting": exc.setting})
        except HaierError as exc:
            check = Check(DOWN, {"error": type(exc).__name__, "message": str(exc)})
        except Exception as exc:
            check = Check(DOWN, {"error": type(exc).__name__})
        details = {**check.details, "latency_ms": _ms(started), "checked_at": checked_at}
        with self._lock:
            self._last = ProbeResult(Check(check.status, details), time.monotonic())
            self._running = None
        done.set()


def _aged(result: ProbeResult | None) -> Check:
    if result is None:  # pragma: no cover - a finished probe always stores its result
        return Check(DOWN, {"error": "no result"})
    age = round(time.monotonic() - result.finished, 1)
    return Check(result.check.status, {**result.check.details, "age_seconds": age})


def init_app(app: Flask) -> None:
    client = app.extensions.get("haier")
    if client is not None:
        app.extensions[PROBE_KEY] = HaierProbe(
            client,
            ttl=float(app.config.get("HEALTH_HAIER_PROBE_SECONDS", 45)),
            wait=float(app.config.get("HEALTH_HAIER_WAIT_SECONDS", 5)),
        )


def check_haier() -> Check:
    probe = current_app.extensions.get(PROBE_KEY)
    if probe is None:
        return Check("not_configured", {"error": "no Haier client"})
    return probe.result()


# --- scheduler and sync ---------------------------------------------------------------------------------


def _age_seconds(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round((now - as_utc(moment)).total_seconds(), 1)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def check_scheduler() -> Check:
    """This process's scheduler (running, next run times) and every job's last recorded run."""
    app = current_app._get_current_object()
    enabled = bool(app.config.get("SCHEDULER_ENABLED"))
    try:
        if "scheduler" in app.extensions:
            from dashboard.scheduler import scheduler_status

            details = scheduler_status(app)
        else:  # no scheduler built for this app: what the shared tables say
            details = {"enabled": enabled, "running": False, "jobs": _jobs_from_tables()}
    except Exception as exc:
        _rollback_quietly()
        return _failed(exc, enabled=enabled)
    status = "disabled" if not enabled else (OK if details.get("running") else DOWN)
    return Check(status, details)


def _jobs_from_tables() -> list[dict[str, Any]]:
    now = utcnow()
    last_runs, paused = _last_job_runs(), _paused_jobs()
    jobs = []
    for job_id in sorted(set(last_runs) | set(paused)):
        run = last_runs.get(job_id)
        jobs.append(
            {
                "id": job_id,
                "next_run_time": None,
                "paused": paused.get(job_id, False),
                "last_run": None
                if run is None
                else {
                    "outcome": run.outcome,
                    "started_at": _iso(run.started_at),
                    "finished_at": _iso(run.finished_at),
                    "age_seconds": _age_seconds(run.finished_at or run.started_at, now),
                },
            }
        )
    return jobs


def _last_job_runs() -> dict[str, JobRun]:
    latest = (
        select(JobRun.job_id, func.max(JobRun.started_at).label("started_at"))
        .group_by(JobRun.job_id)
        .subquery()
    )
    rows = db.session.execute(
        select(JobRun).join(
            latest, (JobRun.job_id == latest.c.job_id) & (JobRun.started_at == latest.c.started_at)
        )
    ).scalars()
    return {run.job_id: run for run in rows}


def _paused_jobs() -> dict[str, bool]:
    return {job_id: paused for job_id, paused in db.session.execute(select(JobState.job_id, JobState.paused))}


def check_stock_sync() -> Check:
    """Age of the last completed (succeeded or partial) stock sync against HEALTH_STOCK_SYNC_MAX_AGE_MINUTES."""
    now = utcnow()
    max_minutes = int(current_app.config.get("HEALTH_STOCK_SYNC_MAX_AGE_MINUTES", 90))
    try:
        run = db.session.execute(
            select(SyncRun)
            .where(
                SyncRun.kind == SyncKind.STOCK.value,
                SyncRun.status.in_(COMPLETED_SYNC),
                SyncRun.finished_at.is_not(None),
            )
            .order_by(SyncRun.finished_at.desc())
            .limit(1)
        ).scalar_one_or_none()
    except Exception as exc:
        _rollback_quietly()
        return Check("unknown", {"error": type(exc).__name__})
    details: dict[str, Any] = {"max_age_seconds": max_minutes * 60 if max_minutes > 0 else None}
    if run is not None:
        details.update(
            last_completed_at=_iso(run.finished_at),
            age_seconds=_age_seconds(run.finished_at, now),
            run_status=run.status,
            items_failed=run.failed,
        )
    else:
        details["last_completed_at"] = None
    if max_minutes <= 0:
        return Check("disabled", details)  # freshness is not judged (HEALTH_STOCK_SYNC_MAX_AGE_MINUTES=0)
    if run is None:
        return Check("never", details)
    return Check("stale" if details["age_seconds"] > max_minutes * 60 else OK, details)
