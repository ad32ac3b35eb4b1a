"""Run bookkeeping: background runs, one catalogue-wide run at a time, cancel, abandoned runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.models import SchedulerLease, SyncKind, SyncRun, SyncStatus, SyncTrigger
from dashboard.services import sync
from dashboard.services.sync_runner import ABANDONED_MESSAGE, LEASE_NAME
from dashboard.timeutil import utcnow
from tests.services._sync_support import (
    FOR_SALE,
    app_with_catalogue,
    log_count,
    run_row,
    wait_until,
)


@pytest.fixture
def app(make_app, sandbox):
    yield from app_with_catalogue(make_app, sandbox, concurrency=2)


@pytest.fixture
def slow_sandbox(sandbox):
    get_sandbox_state(sandbox.app).configure(latency_ms=150)  # 2 workers: a stock run takes ~15 s
    return sandbox


def start_stock(**options):
    return sync.start_sync_in_background(
        SyncKind.STOCK, trigger=SyncTrigger.BUTTON, operator="admin", **options
    )


def test_a_background_run_returns_at_once_and_finishes_on_its_own(app):
    run = start_stock(product_codes=[p.code for p in FOR_SALE[:10]])

    assert run.status == SyncStatus.RUNNING.value
    finished = wait_until(lambda: run_row(run.id).status != "running" and run_row(run.id))
    assert finished.total == 10 and finished.processed == 10 and finished.finished_at is not None
    assert finished.heartbeat_at is not None and finished.trigger == "button" and finished.operator == "admin"


def test_cancel_stops_a_run_within_two_seconds(app, slow_sandbox):
    run = start_stock()
    wait_until(lambda: run_row(run.id).processed >= 2)

    sync.cancel_sync(run.id)

    stopped = wait_until(lambda: run_row(run.id).status != "running" and run_row(run.id), timeout=2.5)
    assert stopped.status == SyncStatus.CANCELLED.value
    assert stopped.processed < stopped.total
    assert sync.join_background_syncs(app, timeout=5)
    logs = log_count()
    assert log_count() == logs and run_row(run.id).status == "cancelled"


def test_a_second_catalogue_wide_run_is_refused_and_names_the_running_one(app, slow_sandbox):
    first = start_stock()

    with pytest.raises(sync.SyncAlreadyRunning) as refused:
        sync.start_sync_in_background(SyncKind.PRICES, trigger=SyncTrigger.BUTTON, operator="other")
    with pytest.raises(sync.SyncAlreadyRunning):
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.SCHEDULE, operator="system:scheduler")

    assert refused.value.run.id == first.id
    # Runs for given products are not catalogue-wide and may run alongside.
    summary = sync.run_sync(
        SyncKind.PRICES, trigger=SyncTrigger.BUTTON, operator="x", product_codes=[FOR_SALE[0].code]
    )
    assert summary.status is SyncStatus.SUCCEEDED
    assert sync.running_catalogue_wide_run().id == first.id


def test_two_simultaneous_starts_let_exactly_one_through(app):
    flask_app = app
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def contender():
        with flask_app.app_context():
            barrier.wait()
            try:
                sync.create_sync_run(SyncKind.STOCK, trigger=SyncTrigger.SCHEDULE, operator="race")
                result = "started"
            except sync.SyncAlreadyRunning:
                result = "refused"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=contender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    db.session.rollback()
    running = db.session.execute(select(SyncRun).where(SyncRun.operator == "race")).scalars().all()
    assert len(running) == 1
    db.session.execute(db.delete(SchedulerLease))
    running[0].status = SyncStatus.FAILED.value
    db.session.commit()


def _abandoned_run(age_seconds: int) -> SyncRun:
    old = utcnow() - timedelta(seconds=age_seconds)
    run = SyncRun(
        kind="stock",
        trigger="schedule",
        operator="dead",
        catalogue_wide=True,
        started_at=old,
        heartbeat_at=old,
    )
    db.session.add(run)
    db.session.flush()
    db.session.add(
        SchedulerLease(name=LEASE_NAME, owner=f"sync-run:{run.id}", acquired_at=old, expires_at=old)
    )
    db.session.commit()
    return run


def test_an_expired_lease_is_taken_over_and_the_abandoned_run_marked_failed(app):
    dead = _abandoned_run(age_seconds=120)

    run = sync.create_sync_run(SyncKind.STOCK, trigger=SyncTrigger.SCHEDULE, operator="alive")

    assert run.status == "running"
    assert run_row(dead.id).status == "failed" and run_row(dead.id).message == ABANDONED_MESSAGE
    lease = db.session.get(SchedulerLease, LEASE_NAME)
    assert lease.owner == f"sync-run:{run.id}" and lease.expires_at > utcnow()
    sync.run_sync(
        SyncKind.STOCK, trigger=SyncTrigger.SCHEDULE, operator="alive", run_id=run.id, product_codes=None
    )
    assert run_row(run.id).status in ("succeeded", "partial")
    assert db.session.get(SchedulerLease, LEASE_NAME) is None  # released at the end


def test_a_fresh_lease_is_respected(app):
    now = utcnow()
    holder = SyncRun(
        kind="catalogue", trigger="schedule", operator="other-host", catalogue_wide=True, heartbeat_at=now
    )
    db.session.add(holder)
    db.session.flush()
    db.session.add(
        SchedulerLease(
            name=LEASE_NAME,
            owner=f"sync-run:{holder.id}",
            acquired_at=now,
            expires_at=now + timedelta(seconds=30),
        )
    )
    db.session.commit()

    with pytest.raises(sync.SyncAlreadyRunning) as refused:
        sync.create_sync_run(SyncKind.STOCK, trigger=SyncTrigger.BUTTON, operator="me")

    assert refused.value.run.id == holder.id
    db.session.execute(db.delete(SchedulerLease))
    holder.status = "failed"
    db.session.commit()


def test_history_marks_runs_whose_heartbeat_stopped_as_failed(app):
    old = utcnow() - timedelta(minutes=10)
    db.session.add(SyncRun(kind="stock", trigger="button", operator="gone", started_at=old, heartbeat_at=old))
    db.session.commit()

    runs = sync.recent_runs()

    assert next(r for r in runs if r.operator == "gone").status == "failed"
