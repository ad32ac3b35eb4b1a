"""SyncRun bookkeeping: opening a run (one catalogue-wide run at a time, across processes), the counters that
worker threads share, the heartbeat that persists them, cancellation, and closing the run.

Exclusivity is a row in scheduler_leases named "sync:catalogue-wide", inserted in the same transaction as the
run: the primary key makes the check-and-insert race-safe on SQLite and PostgreSQL alike. The heartbeat renews
the lease; a process that dies leaves a lease that expires, and the next run takes it over (and marks the
abandoned run failed).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.extensions import db
from dashboard.haier import HaierError
from dashboard.metrics import SYNC_ITEMS
from dashboard.models import SchedulerLease, SyncRun, SyncStatus
from dashboard.services.sync_mapping import FieldChange
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)

LEASE_NAME = "sync:catalogue-wide"
MAX_ERRORS_KEPT = 50
MAX_CHANGES_KEPT = 10_000  # dry-run report; a full 5,000-product catalogue fits
ABANDONED_MESSAGE = "同步进程中断（心跳超时）"


class SyncAlreadyRunning(Exception):
    """A catalogue-wide run is already going on; `run` is that run (None if it vanished meanwhile)."""

    def __init__(self, run: SyncRun | None) -> None:
        super().__init__(f"catalogue-wide sync run {run.id if run else '?'} is still running")
        self.run = run


@dataclass(frozen=True)
class SyncError:
    code: str
    message: str
    kind: str = "error"  # unavailable / business_error / auth_error / protocol_error / error

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "kind": self.kind}


_ERROR_LABELS = {
    "unavailable": "海尔接口暂不可用",
    "business_error": "海尔拒绝了请求",
    "auth_error": "海尔认证失败",
    "protocol_error": "海尔返回了无法识别的数据",
}


def describe_haier_error(exc: HaierError) -> str:
    """A Chinese one-liner for the run's error list and the product page (Haier's own text kept)."""
    label = _ERROR_LABELS.get(exc.outcome, "海尔接口调用失败")
    return f"{label}：{exc.message}"


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_seconds() -> float:
    return float(current_app.config.get("SYNC_LEASE_SECONDS", 30))


def begin_write() -> None:
    """End the session's transaction and start a writer's (BEGIN IMMEDIATE on SQLite; plain BEGIN elsewhere).

    A deferred SQLite transaction that reads first and writes later fails at once (no busy wait) when another
    connection committed in between; taking the write lock up front makes it wait its turn instead.
    """
    db.session.commit()
    db.session.connection(execution_options={"sqlite_begin_immediate": True})


def _run_owner_tag(run_id: int) -> str:
    return f"sync-run:{run_id}"


def _run_from_owner(owner: str) -> SyncRun | None:
    if not owner.startswith("sync-run:"):
        return None
    return db.session.get(SyncRun, int(owner.split(":", 1)[1]))


def _run_from_lease(lease: SchedulerLease | None) -> SyncRun | None:
    return None if lease is None else _run_from_owner(lease.owner)


def open_run(
    *, kind: str, trigger: str, operator: str, params: dict[str, Any], catalogue_wide: bool
) -> SyncRun:
    """Insert a running SyncRun (committed). Raises SyncAlreadyRunning for a second catalogue-wide run."""
    db.session.commit()
    now = utcnow()
    begin_write()
    run = SyncRun(
        kind=kind,
        trigger=trigger,
        operator=operator,
        params=params,
        catalogue_wide=catalogue_wide,
        status=SyncStatus.RUNNING.value,
        owner=process_owner(),
        started_at=now,
        heartbeat_at=now,
    )
    db.session.add(run)
    db.session.flush()
    if catalogue_wide:
        try:
            _take_lease(run, now)
        except BaseException:
            db.session.rollback()
            raise
    db.session.commit()
    return run


def _take_lease(run: SyncRun, now: datetime) -> None:
    expires = now + timedelta(seconds=lease_seconds())
    tag = _run_owner_tag(run.id)
    try:
        with db.session.begin_nested():
            # Core insert: the identity map may hold the current lease row, which an ORM add would collide with.
            db.session.execute(
                insert(SchedulerLease).values(name=LEASE_NAME, owner=tag, acquired_at=now, expires_at=expires)
            )
    except IntegrityError:
        held = db.session.get(SchedulerLease, LEASE_NAME, populate_existing=True)
        if held is None or held.expires_at > now:
            raise SyncAlreadyRunning(_run_from_lease(held)) from None
        # Expired: its holder stopped heart-beating. Take it over only if nobody else just did.
        previous_owner = held.owner  # read now: the UPDATE below refreshes `held` in the identity map
        taken = db.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.owner == previous_owner)
            .where(SchedulerLease.expires_at <= now)
            .values(owner=tag, acquired_at=now, expires_at=expires)
        ).rowcount
        if taken != 1:
            raise SyncAlreadyRunning(_run_from_lease(db.session.get(SchedulerLease, LEASE_NAME))) from None
        abandoned = _run_from_owner(previous_owner)
        if abandoned is not None and abandoned.status == SyncStatus.RUNNING.value:
            abandoned.status = SyncStatus.FAILED.value
            abandoned.finished_at = now
            abandoned.message = ABANDONED_MESSAGE
        logger.warning(
            "took over an expired catalogue-wide sync lease", extra={"previous_owner": previous_owner}
        )


def running_catalogue_wide_run() -> SyncRun | None:
    """The catalogue-wide run that holds the lease, if its heartbeat is fresh."""
    lease = db.session.get(SchedulerLease, LEASE_NAME, populate_existing=True)
    if lease is None or lease.expires_at <= utcnow():
        return None
    run = _run_from_lease(lease)
    return run if run is not None and run.status == SyncStatus.RUNNING.value else None


def reap_abandoned_runs() -> int:
    """Mark runs whose heartbeat stopped (their process died) as failed; returns how many."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds())
    begin_write()
    count = db.session.execute(
        update(SyncRun)
        .where(SyncRun.status == SyncStatus.RUNNING.value, SyncRun.heartbeat_at < cutoff)
        .values(status=SyncStatus.FAILED.value, finished_at=utcnow(), message=ABANDONED_MESSAGE)
    ).rowcount
    db.session.commit()
    return count


def request_cancel(run_id: int) -> bool:
    """Ask a running run to stop; False when it is not running."""
    begin_write()
    count = db.session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.status == SyncStatus.RUNNING.value)
        .values(cancel_requested=True)
    ).rowcount
    db.session.commit()
    return count == 1


class RunTracker:
    """Counters shared by the worker threads of one run; `flush` persists them from the coordinating thread."""

    def __init__(self, run: SyncRun, *, kind: str, dry_run: bool) -> None:
        self.run_id = run.id
        self.kind = kind
        self.dry_run = dry_run
        self.catalogue_wide = run.catalogue_wide
        self.total = run.total
        self.changed = self.unchanged = self.failed = 0
        self.errors: list[SyncError] = []
        self.changes: list[FieldChange] = []
        self.cancelled = threading.Event()
        self.fatal: str | None = None
        self._lock = threading.Lock()

    @property
    def processed(self) -> int:
        return self.changed + self.unchanged + self.failed

    @property
    def stopping(self) -> bool:
        return self.cancelled.is_set() or self.fatal is not None

    def set_total(self, total: int) -> None:
        self.total = total

    def item_changed(self, changes: list[FieldChange] = ()) -> None:
        SYNC_ITEMS.labels(kind=self.kind, result="changed").inc()
        with self._lock:
            self.changed += 1
            room = MAX_CHANGES_KEPT - len(self.changes)
            if self.dry_run and room > 0:
                self.changes.extend(list(changes)[:room])

    def item_unchanged(self) -> None:
        SYNC_ITEMS.labels(kind=self.kind, result="unchanged").inc()
        with self._lock:
            self.unchanged += 1

    def item_failed(self, code: str, message: str, kind: str = "error") -> None:
        SYNC_ITEMS.labels(kind=self.kind, result="failed").inc()
        with self._lock:
            self.failed += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(SyncError(code, message[:300], kind))

    def stop_with(self, message: str) -> None:
        """A failure that dooms every remaining item (bad credentials, configuration): stop the run."""
        with self._lock:
            if self.fatal is None:
                self.fatal = message

    def flush(self) -> SyncRun:
        """Write counters and heartbeat, renew the lease, and pick up a cancel request. Returns the fresh run."""
        now = utcnow()
        with self._lock:
            values = {
                "total": self.total,
                "processed": self.processed,
                "changed": self.changed,
                "unchanged": self.unchanged,
                "failed": self.failed,
                "errors": [e.to_dict() for e in self.errors],
                "heartbeat_at": now,
            }
        db.session.commit()
        begin_write()
        db.session.execute(update(SyncRun).where(SyncRun.id == self.run_id).values(**values))
        if self.catalogue_wide:
            db.session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.owner == _run_owner_tag(self.run_id))
                .values(expires_at=now + timedelta(seconds=lease_seconds()))
            )
        db.session.commit()
        run = db.session.get(SyncRun, self.run_id, populate_existing=True)
        if run.cancel_requested:
            self.cancelled.set()
        return run

    def finish(self, status: SyncStatus, message: str | None = None) -> SyncRun:
        self.flush()
        begin_write()
        db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == self.run_id)
            .values(status=status.value, finished_at=utcnow(), message=message)
        )
        if self.catalogue_wide:
            db.session.execute(
                delete(SchedulerLease).where(
                    SchedulerLease.name == LEASE_NAME, SchedulerLease.owner == _run_owner_tag(self.run_id)
                )
            )
        db.session.commit()
        return db.session.get(SyncRun, self.run_id, populate_existing=True)

    def final_status(self) -> SyncStatus:
        if self.cancelled.is_set():
            return SyncStatus.CANCELLED
        if self.fatal is not None:
            return SyncStatus.FAILED
        if self.failed and not (self.changed or self.unchanged):
            return SyncStatus.FAILED
        return SyncStatus.PARTIAL if self.failed else SyncStatus.SUCCEEDED


def recent_runs(limit: int = 50) -> list[SyncRun]:
    """The newest runs first (runs whose process died are marked failed first)."""
    reap_abandoned_runs()
    return list(db.session.execute(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)).scalars())


def running_runs() -> list[SyncRun]:
    stmt = select(SyncRun).where(SyncRun.status == SyncStatus.RUNNING.value).order_by(SyncRun.id.desc())
    return list(db.session.execute(stmt).scalars())


def product_ids_for_codes(codes: list[str]) -> dict[str, int]:
    """Product ids by code, for linking a run's failed items to their products."""
    if not codes:
        return {}
    from dashboard.models import Product

    rows = db.session.execute(select(Product.code, Product.id).where(Product.code.in_(codes)))
    return {code: product_id for code, product_id in rows}
