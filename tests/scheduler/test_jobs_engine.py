"""The scheduled jobs end to end: fired by the runner, through the real sync engine, against the sandbox."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import SyncRun
from dashboard.scheduler import FiringStatus, get_scheduler
from tests.scheduler._support import T0, job_runs
from tests.services._sync_support import sync_settings


@pytest.fixture
def app(make_app, sandbox):
    app = make_app(**sync_settings(sandbox, SYNC_CONCURRENCY=4))
    with app.app_context():
        yield app


def _sync_runs() -> list[SyncRun]:
    db.session.rollback()
    return list(db.session.execute(select(SyncRun).order_by(SyncRun.id)).scalars())


def test_the_daily_job_then_the_stock_job_sync_as_the_scheduler_and_link_their_runs(app):
    scheduler = get_scheduler(app)

    catalogue = scheduler.fire("sync_catalogue", now=T0)
    stock = scheduler.fire("sync_stock", now=T0)

    assert (catalogue.status, stock.status) == (FiringStatus.RAN, FiringStatus.RAN)
    catalogue_run, stock_run = _sync_runs()
    assert (catalogue_run.kind, stock_run.kind) == ("catalogue", "stock")
    for run in (catalogue_run, stock_run):
        assert (run.trigger, run.operator) == ("schedule", "system:scheduler")
    # The sandbox refuses a few products in this county, so a full stock run is honestly partial.
    assert (catalogue_run.status, stock_run.status) == ("succeeded", "partial")
    jobs = {run.job_id: run for run in job_runs()}
    assert (jobs["sync_catalogue"].sync_run_id, jobs["sync_catalogue"].outcome) == (
        catalogue_run.id,
        "succeeded",
    )
    assert (jobs["sync_stock"].sync_run_id, jobs["sync_stock"].outcome) == (stock_run.id, "partial")
    assert (
        f"同步 #{stock_run.id}" in jobs["sync_stock"].message
        and f"失败 {stock_run.failed}" in jobs["sync_stock"].message
    )


def test_two_instances_firing_the_stock_job_together_start_one_sync(app, make_app, sandbox):
    get_scheduler(app).fire("sync_catalogue", now=T0)
    schedulers = [get_scheduler(make_app(**sync_settings(sandbox))) for _ in range(2)]
    barrier = threading.Barrier(2)
    firings = []

    def fire(scheduler):
        barrier.wait(10)
        firings.append(scheduler.fire("sync_stock", now=T0))

    threads = [threading.Thread(target=fire, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert [f.status for f in firings].count(FiringStatus.RAN) == 1
    assert [r.kind for r in _sync_runs()] == ["catalogue", "stock"]
    assert [r.outcome for r in job_runs("sync_stock")] == [_sync_runs()[1].status]
