"""The health checks one by one: judging, the cached Haier probe, the scheduler and stock sync sections."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.extensions import db
from dashboard.haier import HaierConfigError, HaierUnavailable
from dashboard.models import JobRun, JobState, SyncRun
from dashboard.services import health
from dashboard.services.health import Check, HaierProbe


def checks(**statuses) -> dict[str, Check]:
    base = {"database": "ok", "cache": "ok", "haier": "ok", "scheduler": "disabled", "stock_sync": "ok"}
    return {name: Check(status) for name, status in {**base, **statuses}.items()}


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ({}, "healthy"),
        ({"scheduler": "ok"}, "healthy"),
        ({"cache": "down"}, "degraded"),
        ({"haier": "down"}, "degraded"),
        ({"haier": "not_configured"}, "degraded"),
        ({"scheduler": "down"}, "degraded"),
        ({"stock_sync": "stale"}, "degraded"),
        ({"stock_sync": "never"}, "degraded"),
        ({"stock_sync": "disabled"}, "healthy"),
        ({"database": "down"}, "unhealthy"),
        ({"database": "down", "cache": "down", "haier": "down"}, "unhealthy"),
    ],
)
def test_overall_status_is_the_worst_judged_check(statuses, expected):
    assert health.overall(checks(**statuses)) == expected


# --- the Haier probe -------------------------------------------------------------------------------------


class FakeClient:
    def __init__(self, behaviour=lambda: False):
        self.behaviour = behaviour
        self.calls = 0

    def ensure_token(self):
        self.calls += 1
        return self.behaviour()


def test_probe_result_is_reused_within_its_lifetime():
    client = FakeClient(lambda: True)
    probe = HaierProbe(client, ttl=60, wait=5)
    first, second = probe.result(), probe.result()
    assert client.calls == 1
    assert first.status == second.status == "ok"
    assert first.details["token"] == "fetched"
    assert "latency_ms" in first.details and "age_seconds" in second.details


def test_probe_runs_again_once_its_result_is_old():
    client = FakeClient()
    probe = HaierProbe(client, ttl=0, wait=5)
    probe.result()
    probe.result()
    assert client.calls == 2


def test_a_hanging_haier_makes_the_probe_answer_down_without_waiting_for_it():
    release = threading.Event()
    client = FakeClient(lambda: release.wait(10))
    probe = HaierProbe(client, ttl=60, wait=0.2)
    started = time.monotonic()
    check = probe.result()
    assert time.monotonic() - started < 2
    assert (check.status, check.details["error"]) == ("down", "timeout")
    release.set()


def test_a_haier_failure_is_down_with_its_masked_message():
    def fail():
        raise HaierUnavailable("HTTP 503: busy", reason="HTTP 503", attempts=3, endpoint="token")

    check = HaierProbe(FakeClient(fail), ttl=60, wait=5).result()
    assert check.status == "down"
    assert check.details["error"] == "HaierUnavailable"
    assert check.details["message"] == "[token] HTTP 503: busy"


def test_missing_credentials_are_not_configured_naming_the_setting():
    def missing():
        raise HaierConfigError("HAIER_CLIENT_SECRET is not set", setting="HAIER_CLIENT_SECRET")

    check = HaierProbe(FakeClient(missing), ttl=60, wait=5).result()
    assert check.status == "not_configured"
    assert check.details["setting"] == "HAIER_CLIENT_SECRET"


# --- stock sync age ----------------------------------------------------------------------------------------


def add_sync(kind="stock", status="succeeded", finished_ago=timedelta(minutes=10)):
    finished = datetime.now(UTC) - finished_ago
    db.session.add(
        SyncRun(
            kind=kind,
            trigger="schedule",
            operator="scheduler",
            status=status,
            started_at=finished - timedelta(minutes=2),
            finished_at=finished,
            failed=3 if status == "partial" else 0,
        )
    )
    db.session.commit()


def test_no_stock_sync_ever_is_reported_as_never(app):
    assert health.check_stock_sync().status == "never"


def test_a_recent_successful_stock_sync_is_ok_with_its_age(app):
    add_sync(finished_ago=timedelta(minutes=10))
    check = health.check_stock_sync()
    assert check.status == "ok"
    assert 590 <= check.details["age_seconds"] <= 620
    assert check.details["max_age_seconds"] == 90 * 60


def test_a_partial_stock_sync_counts_as_completed(app):
    add_sync(status="partial", finished_ago=timedelta(minutes=5))
    check = health.check_stock_sync()
    assert (check.status, check.details["run_status"], check.details["items_failed"]) == ("ok", "partial", 3)


def test_failed_runs_and_other_kinds_do_not_count(app):
    add_sync(finished_ago=timedelta(hours=5))
    add_sync(status="failed", finished_ago=timedelta(minutes=1))
    add_sync(kind="catalogue", finished_ago=timedelta(minutes=1))
    check = health.check_stock_sync()
    assert check.status == "stale"
    assert check.details["age_seconds"] >= 5 * 3600 - 5


def test_stock_sync_age_is_not_judged_when_switched_off(make_app):
    app = make_app(HEALTH_STOCK_SYNC_MAX_AGE_MINUTES=0)
    with app.app_context():
        assert health.check_stock_sync().status == "disabled"


# --- scheduler ------------------------------------------------------------------------------------------------


def test_scheduler_disabled_is_reported_not_judged(app):
    check = health.check_scheduler()
    assert (check.status, check.details["enabled"], check.details["running"]) == ("disabled", False, False)


def test_running_scheduler_reports_each_jobs_next_run(make_app):
    from dashboard.scheduler import get_scheduler

    app = make_app(SCHEDULER_ENABLED=True)
    try:
        with app.app_context():
            check = health.check_scheduler()
    finally:
        get_scheduler(app).shutdown()
    assert (check.status, check.details["running"]) == ("ok", True)
    assert check.details["jobs"] and all(
        job["next_run_time"] for job in check.details["jobs"] if job["enabled"]
    )


def test_enabled_scheduler_that_is_not_running_is_down(make_app):
    from dashboard.scheduler import get_scheduler

    app = make_app(SCHEDULER_ENABLED=True)
    get_scheduler(app).shutdown()
    with app.app_context():
        assert health.check_scheduler().status == "down"


def test_without_a_scheduler_the_tables_give_each_jobs_last_run(app):
    app.extensions.pop("scheduler", None)
    now = datetime.now(UTC)
    for ago, outcome in ((timedelta(hours=2), "failed"), (timedelta(minutes=30), "succeeded")):
        db.session.add(
            JobRun(
                job_id="refresh_stock",
                owner="w1",
                started_at=now - ago,
                finished_at=now - ago + timedelta(minutes=1),
                outcome=outcome,
            )
        )
    db.session.add(JobState(job_id="refresh_catalogue", paused=True))
    db.session.commit()
    check = health.check_scheduler()
    assert check.status == "disabled"
    jobs = {job["id"]: job for job in check.details["jobs"]}
    assert jobs["refresh_stock"]["last_run"]["outcome"] == "succeeded"
    assert 29 * 60 - 5 <= jobs["refresh_stock"]["last_run"]["age_seconds"] <= 29 * 60 + 30
    assert jobs["refresh_catalogue"] == {
        "id": "refresh_catalogue",
        "next_run_time": None,
        "paused": True,
        "last_run": None,
    }
