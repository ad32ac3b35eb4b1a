"""The job table, the thin job functions over the sync engine, triggers, and the runner in one app."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from apscheduler.triggers.cron import CronTrigger

from dashboard.extensions import db
from dashboard.models import JobState, SyncKind, SyncStatus, SyncTrigger
from dashboard.scheduler import (
    FiringStatus,
    JobBusy,
    JobOutcome,
    get_scheduler,
    install,
    lease,
    lease_name,
    scheduler_status,
)
from dashboard.scheduler import jobs as scheduler_jobs
from dashboard.scheduler.history import set_paused
from dashboard.scheduler.triggers import DailyAt, Every
from dashboard.timeutil import SHANGHAI
from tests.scheduler._support import T0, BlockingJob, job_runs, stand_in, sync_run_count

# --- the table and triggers ---------------------------------------------------------------------------------


def test_the_job_table_has_stable_ids_triggers_from_settings_and_enabling_settings(make_app):
    app = make_app(
        SYNC_STOCK_INTERVAL_MINUTES=15, SYNC_CATALOGUE_DAILY_AT="04:05", SYNC_CATALOGUE_SCHEDULED=False
    )

    jobs = get_scheduler(app).jobs

    assert list(jobs) == ["sync_stock", "sync_catalogue"]
    assert jobs["sync_stock"].trigger == Every(15 * 60) and jobs["sync_stock"].enabled
    assert jobs["sync_stock"].func is scheduler_jobs.refresh_stock
    assert jobs["sync_catalogue"].trigger == DailyAt(4, 5) and not jobs["sync_catalogue"].enabled
    assert jobs["sync_catalogue"].enabled_setting == "SYNC_CATALOGUE_SCHEDULED"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "setting, value",
    [
        ("SYNC_CATALOGUE_DAILY_AT", "3.30"),
        ("SYNC_CATALOGUE_DAILY_AT", "24:00"),
        ("SYNC_STOCK_INTERVAL_MINUTES", 0),
    ],
)
def test_a_bad_schedule_setting_stops_the_app_from_starting(make_app, setting, value):
    with pytest.raises(ValueError, match=setting):
        make_app(**{setting: value})


@pytest.mark.parametrize(
    "local_now, slot",
    [("10:47:13", "10:30:00"), ("10:30:00", "10:30:00"), ("00:00:01", "00:00:00"), ("23:59:59", "23:30:00")],
)
def test_an_interval_slot_is_anchored_to_the_clock_not_to_start_up(local_now, slot):
    now = datetime.fromisoformat(f"2025-03-03T{local_now}").replace(tzinfo=SHANGHAI)

    previous = Every.minutes(30).previous_fire_time(now)

    assert previous.astimezone(SHANGHAI).strftime("%H:%M:%S") == slot
    assert previous.tzinfo == UTC


@pytest.mark.parametrize(
    "local_now, slot_day",
    [
        ("2025-03-03T03:29", "2025-03-02"),
        ("2025-03-03T03:30", "2025-03-03"),
        ("2025-03-03T23:00", "2025-03-03"),
    ],
)
def test_a_daily_slot_is_the_last_time_the_clock_passed_the_hour(local_now, slot_day):
    now = datetime.fromisoformat(local_now).replace(tzinfo=SHANGHAI)

    previous = DailyAt(3, 30).previous_fire_time(now).astimezone(SHANGHAI)

    assert previous.isoformat() == f"{slot_day}T03:30:00+08:00"


@pytest.mark.parametrize("trigger", [Every.minutes(30), Every(7), DailyAt(3, 30)])
def test_our_next_fire_time_agrees_with_apscheduler(trigger):
    now = datetime(2025, 3, 3, 2, 41, 17, tzinfo=UTC)

    ours = trigger.next_fire_time(now)
    theirs = trigger.apscheduler_trigger().get_next_fire_time(None, now)

    assert ours == theirs.astimezone(UTC)
    assert isinstance(DailyAt(3, 30).apscheduler_trigger(), CronTrigger)


# --- the thin job functions ---------------------------------------------------------------------------------


@pytest.fixture
def fake_engine(monkeypatch):
    """Replaces run_sync: records the calls and answers with a summary of the given status."""
    from dashboard.services import sync as sync_service

    calls = []
    answer = {"status": SyncStatus.SUCCEEDED, "message": None}

    def run_sync(kind, **kwargs):
        calls.append((kind, kwargs))
        return SimpleNamespace(
            run_id=41 + len(calls),
            status=answer["status"],
            total=10,
            changed=3,
            unchanged=6,
            failed=1,
            message=answer["message"],
        )

    monkeypatch.setattr(sync_service, "run_sync", run_sync)
    return SimpleNamespace(calls=calls, answer=answer)


def test_the_stock_job_runs_a_scheduled_stock_sync_as_the_scheduler(app, fake_engine):
    result = scheduler_jobs.refresh_stock()

    assert fake_engine.calls == [
        (SyncKind.STOCK, {"trigger": SyncTrigger.SCHEDULE, "operator": "system:scheduler"})
    ]
    assert (result.outcome, result.sync_run_id) == (JobOutcome.SUCCEEDED, 42)
    assert "变更 3" in result.message and "失败 1" in result.message


def test_the_daily_job_runs_one_catalogue_sync_which_brings_the_prices(app, fake_engine):
    result = scheduler_jobs.refresh_catalogue_and_prices()

    assert [kind for kind, _ in fake_engine.calls] == [SyncKind.CATALOGUE]
    assert fake_engine.calls[0][1]["trigger"] is SyncTrigger.SCHEDULE
    assert result.sync_run_id == 42


@pytest.mark.parametrize(
    "status, outcome",
    [
        (SyncStatus.PARTIAL, JobOutcome.PARTIAL),
        (SyncStatus.FAILED, JobOutcome.FAILED),
        (SyncStatus.CANCELLED, JobOutcome.CANCELLED),
    ],
)
def test_the_sync_status_becomes_the_job_outcome(app, fake_engine, status, outcome):
    fake_engine.answer.update(status=status, message="海尔接口超时")

    result = scheduler_jobs.refresh_stock()

    assert result.outcome is outcome and "海尔接口超时" in result.message


def test_a_sync_already_running_makes_the_job_skip_and_name_that_run(app, monkeypatch):
    from dashboard.services import sync as sync_service

    def busy(kind, **kwargs):
        raise sync_service.SyncAlreadyRunning(SimpleNamespace(id=7))

    monkeypatch.setattr(sync_service, "run_sync", busy)

    result = scheduler_jobs.refresh_stock()

    assert (result.outcome, result.sync_run_id) == (JobOutcome.SKIPPED, 7)
    assert "#7" in result.message


def test_a_scheduled_stock_refresh_records_its_job_run_with_the_sync_run(app, fake_engine):
    firing = get_scheduler(app).fire("sync_stock", now=T0)

    [run] = job_runs("sync_stock")
    assert firing.status is FiringStatus.RAN and firing.job_run_id == run.id
    assert (run.outcome, run.sync_run_id) == ("succeeded", 42)
    assert run.started_at == T0 and run.finished_at >= T0
    assert lease.holder(lease_name("sync_stock"), now=T0) is None


# --- the runner ---------------------------------------------------------------------------------------------


def test_a_firing_runs_the_job_once_and_records_a_succeeded_run(app):
    scheduler = install(app, [stand_in()])

    firing = scheduler.fire("stand_in", now=T0)

    [run] = job_runs()
    assert firing.status is FiringStatus.RAN
    assert (run.job_id, run.outcome, run.message) == ("stand_in", "succeeded", "stand-in sync")
    assert run.sync_run_id is not None and sync_run_count() == 1


def test_a_second_firing_in_the_same_slot_does_nothing_and_the_next_slot_runs(app):
    scheduler = install(app, [stand_in()])
    scheduler.fire("stand_in", now=T0)

    again = scheduler.fire("stand_in", now=T0 + timedelta(minutes=5))
    next_slot = scheduler.fire("stand_in", now=T0 + timedelta(minutes=20))

    assert again.status is FiringStatus.ALREADY_RAN
    assert next_slot.status is FiringStatus.RAN
    assert len(job_runs()) == 2 and sync_run_count() == 2


def test_a_paused_job_does_not_run_and_records_nothing(app):
    job = BlockingJob()
    job.release.set()
    scheduler = install(app, [stand_in(job)])
    set_paused("stand_in", True)

    firing = scheduler.fire("stand_in", now=T0)

    assert firing.status is FiringStatus.PAUSED
    assert job.calls == 0 and job_runs() == []


def test_a_resumed_job_runs_again(app):
    scheduler = install(app, [stand_in()])
    set_paused("stand_in", True)
    set_paused("stand_in", False)

    assert scheduler.fire("stand_in", now=T0).status is FiringStatus.RAN
    assert db.session.get(JobState, "stand_in").paused is False


def test_a_job_that_raises_is_recorded_failed_and_lets_go_of_the_lease(app):
    def broken():
        raise RuntimeError("Haier said no")

    scheduler = install(app, [stand_in(broken)])

    scheduler.fire("stand_in", now=T0)

    [run] = job_runs()
    assert run.outcome == "failed" and "RuntimeError: Haier said no" in run.message
    assert run.finished_at is not None
    assert lease.holder(lease_name("stand_in"), now=T0) is None


def test_a_job_never_overlaps_itself(app):
    job = BlockingJob()
    # One-minute slots, so the next slot comes while the 90-second lease is still fresh.
    scheduler = install(app, [stand_in(job, trigger=Every(60))])
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", scheduler.fire("stand_in", now=T0)))
    first.start()
    try:
        assert job.started.wait(10)

        # The same slot again, a later slot, and an admin's "run now" while the first run is still going:
        assert scheduler.fire("stand_in", now=T0).status is FiringStatus.BUSY
        assert scheduler.fire("stand_in", now=T0 + timedelta(seconds=60)).status is FiringStatus.BUSY
        with pytest.raises(JobBusy):
            scheduler.run_now("stand_in", requested_by="admin", now=T0)
    finally:
        job.release.set()
        first.join(10)

    assert results["first"].status is FiringStatus.RAN
    assert job.calls == 1 and len(job_runs()) == 1


def test_run_now_runs_in_the_background_even_when_paused(app):
    scheduler = install(app, [stand_in()])
    set_paused("stand_in", True)

    run_id = scheduler.run_now("stand_in", requested_by="admin-user")

    assert scheduler.join_manual_runs(10)
    [run] = job_runs()
    assert run.id == run_id and run.outcome == "succeeded"
    assert run.message.startswith("由 admin-user 手动运行")
    db.session.rollback()
    assert db.session.get(JobState, "stand_in").run_requested_at is not None
    assert lease.holder(lease_name("stand_in")) is None


def test_run_now_returns_before_the_job_finishes(app):
    job = BlockingJob()
    scheduler = install(app, [stand_in(job)])

    scheduler.run_now("stand_in", requested_by="admin")
    try:
        assert job.started.wait(10)
        [run] = job_runs()
        assert run.outcome == "running"
    finally:
        job.release.set()
    assert scheduler.join_manual_runs(10)
    assert job_runs()[0].outcome == "succeeded"


def test_scheduler_status_reports_jobs_next_runs_and_last_runs(make_app):
    app = make_app(SCHEDULER_ENABLED=False)
    scheduler = install(app, [stand_in()])
    with app.app_context():
        scheduler.fire("stand_in", now=T0)
        set_paused("stand_in", True)

    status = scheduler_status(app)

    assert status["running"] is False and status["enabled"] is False
    [job] = status["jobs"]
    assert job["id"] == "stand_in" and job["paused"] is True
    assert job["next_run_time"] is None  # nothing fires it: the scheduler is off
    assert job["last_run"]["outcome"] == "succeeded"
    assert job["last_run"]["started_at"] == T0.isoformat()
    assert job["last_run"]["age_seconds"] > 0


# --- starting and stopping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, command, serving",
    [
        ({}, None, True),  # gunicorn, wsgi.py
        ({"WERKZEUG_RUN_MAIN": "true", "FLASK_RUN_FROM_CLI": "true"}, ("run", {"reload": True}), True),
        ({"FLASK_RUN_FROM_CLI": "true"}, ("run", {"reload": True}), False),  # the reloader's watcher
        ({"FLASK_RUN_FROM_CLI": "true"}, ("run", {"reload": False}), True),  # make run: --no-reload
        ({"FLASK_RUN_FROM_CLI": "true"}, ("sync-haier-products", {}), False),
        ({"FLASK_RUN_FROM_CLI": "true"}, None, False),
    ],
)
def test_the_scheduler_starts_only_in_a_process_that_serves(monkeypatch, env, command, serving):
    import click

    from dashboard.scheduler import serving_process

    for name in ("WERKZEUG_RUN_MAIN", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if command is None:
        assert serving_process() is serving
        return
    name, params = command
    with click.Context(click.Command(name), info_name=name) as ctx:
        ctx.params.update(params)
        assert serving_process() is serving


def test_the_scheduler_is_off_in_tests_unless_turned_on(app):
    assert get_scheduler(app).running is False


def test_an_enabled_scheduler_starts_once_per_app_and_stops(make_app):
    app = make_app(SCHEDULER_ENABLED=True)
    scheduler = get_scheduler(app)
    try:
        assert scheduler.running
        assert {job.id for job in scheduler.get_jobs()} == {"sync_stock", "sync_catalogue"}
        assert scheduler.start() is False  # already running: not a second scheduler

        from dashboard.scheduler import init_app

        init_app(app)
        assert get_scheduler(app) is scheduler
        [scheduled] = [job for job in scheduler.get_jobs() if job.id == "sync_stock"]
        assert scheduled.coalesce is True and scheduled.max_instances == 1
        assert scheduled.misfire_grace_time == app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]
        with app.app_context():
            assert scheduler.next_run_time("sync_stock") == scheduled.next_run_time
    finally:
        scheduler.shutdown()
    assert scheduler.running is False


def test_a_real_background_scheduler_fires_an_interval_job(make_app):
    app = make_app()
    scheduler = install(app, [stand_in(trigger=Every(1))])
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        with app.app_context():
            while time.monotonic() < deadline and not [r for r in job_runs() if r.outcome == "succeeded"]:
                time.sleep(0.05)
            runs = job_runs()
    finally:
        scheduler.shutdown()

    assert [r for r in runs if r.outcome == "succeeded"], "the scheduler never ran the job within 10 s"
