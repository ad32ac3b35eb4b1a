"""SyncRun bookkeeping: opening a run (one catalogue-wide run at a time, across processes), the counters that
worker threads share, the heartbeat that persists them, cancellation, and closing the run.

Exclusivity is the scheduler's database lease (dashboard.scheduler.lease) named "sync:catalogue-wide", taken
in the same transaction as the run is inserted, so a refused run leaves no row behind. The heartbeat renews the
lease; a process that dies leaves a lease that expires, and the next run takes it over (its abandoned run is
marked failed first: heartbeat and lease expiry are written together, so they lapse together).
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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.haier import HaierError
from dashboard.metrics import SYNC_ITEMS
from dashboard.models import Product, SyncRun, SyncStatus
from dashboard.scheduler import lease
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


def _run_owner_tag(run_id: int) -> str:
    return f"sync-run:{run_id}"


def _run_from_owner(owner: str) -> SyncRun | None:
    if not owner.startswith("sync-run:"):
        return None
    return db.session.get(SyncRun, int(owner.split(":", 1)[1]))


def open_run(
    *, kind: str, trigger: str, operator: str, params: dict[str, Any], catalogue_wide: bool
) -> SyncRun:
    """Insert a running SyncRun (committed). Raises SyncAlreadyRunning for a second catalogue-wide run."""
    now = utcnow()
    # Same `now` as the lease below: a lease that has expired belongs to a run this marks failed.
    reap_abandoned_runs(now=now)
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
            with db.session.begin_nested():
                lease.acquire_on(
                    db.session.connection(), LEASE_NAME, _run_owner_tag(run.id), lease_seconds(), now=now
                )
        except IntegrityError:
            db.session.rollback()
            held = lease.holder(LEASE_NAME, now=now)
            raise SyncAlreadyRunning(_run_from_owner(held.owner) if held else None) from None
        except BaseException:
            db.session.rollback()
            raise
    db.session.commit()
    return run


def running_catalogue_wide_run() -> SyncRun | None:
    """The catalogue-wide run that holds the lease, if its heartbeat is fresh."""
    held = lease.holder(LEASE_NAME)
    run = _run_from_owner(held.owner) if held else None
    return run if run is not None and run.status == SyncStatus.RUNNING.value else None


def reap_abandoned_runs(*, now: datetime | None = None) -> int:
    """Mark runs whose heartbeat stopped (their process died) as failed; returns how many."""
    now = now or utcnow()
    begin_write()
    count = db.session.execute(
        update(SyncRun)
        .where(SyncRun.status == SyncStatus.RUNNING.value)
        .where(SyncRun.heartbeat_at <= now - timedelta(seconds=lease_seconds()))
        .values(status=SyncStatus.FAILED.value, finished_at=now, message=ABANDONED_MESSAGE)
    ).rowcount
    db.session.commit()
    if count:
        logger.warning("marked abandoned sync runs failed", extra={"sync_runs_reaped": count})
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
        self.lease_lost = False
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
            tag = _run_owner_tag(self.run_id)
            if not lease.renew_on(db.session.connection(), LEASE_NAME, tag, lease_seconds(), now=now):
                self._lease_lost()
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
            lease.release_on(db.session.connection(), LEASE_NAME, _run_owner_tag(self.run_id))
        db.session.commit()
        return db.session.get(SyncRun, self.run_id, populate_existing=True)

    def _lease_lost(self) -> None:
        # This process stalled past the lease and another run took over; once per run, not every heartbeat.
        if not self.lease_lost:
            self.lease_lost = True
            logger.error("catalogue-wide sync lease lost while running", extra={"sync_run_id": self.run_id})

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
    rows = db.session.execute(select(Product.code, Product.id).where(Product.code.in_(codes)))
    return {code: product_id for code, product_id in rows}
