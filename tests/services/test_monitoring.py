"""The rolling window of Haier calls: tallying, merging across processes, and the figures read from it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.haier.observers import CallRecord
from dashboard.models import HaierCallBucket, SyncRun
from dashboard.services import monitoring, monitoring_report
from dashboard.services.monitoring import bucket_key, get_recorder, quantile
from tests.services._monitoring_support import EXPECTED, drive_known_sequence

NOON = datetime(2025, 3, 14, 12, 0, 30, tzinfo=UTC)


def record(endpoint="check_stock", outcome="ok", seconds=0.2) -> CallRecord:
    return CallRecord(endpoint, duration_s=seconds, outcome=outcome, attempts=1)


def rows() -> list[HaierCallBucket]:
    db.session.rollback()  # a new snapshot: SQLite keeps a read transaction's view of the data
    return list(db.session.execute(select(HaierCallBucket).order_by(HaierCallBucket.id)).scalars())


# --- histogram arithmetic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds, key",
    [
        (0.0, "0.05"),
        (0.05, "0.05"),
        (0.0501, "0.1"),
        (0.2, "0.25"),
        (30.0, "30"),
        (30.01, "60"),
        (61, "+Inf"),
    ],
)
def test_latency_goes_to_the_smallest_bound_not_below_it(seconds, key):
    assert bucket_key(seconds) == key


@pytest.mark.parametrize(
    "histogram, q, expected",
    [
        ({}, 0.5, None),
        ({"0.25": 4}, 0.5, 0.1 + 0.15 * 2 / 4),
        ({"0.25": 8, "1": 2, "5": 1, "60": 1}, 0.5, 0.2125),
        ({"0.25": 8, "1": 2, "5": 1, "60": 1}, 0.95, 42.0),
        ({"0.05": 1, "+Inf": 1}, 0.95, 60.0),  # the open bucket: only "at least 60 s" is known
        ({"0.05": 10}, 1.0, 0.05),
    ],
)
def test_quantile_interpolates_inside_the_bucket(histogram, q, expected):
    assert quantile(histogram, q) == (None if expected is None else pytest.approx(expected))


# --- recording and merging -----------------------------------------------------------------------------


def test_calls_are_tallied_in_memory_until_flushed(app):
    recorder = get_recorder()
    recorder(record(seconds=0.2))
    recorder(record(seconds=0.7))
    recorder(record(outcome="unavailable", seconds=5.0))
    assert rows() == []
    assert recorder.flush() == 3
    by_outcome = {r.outcome: r for r in rows()}
    assert by_outcome["ok"].count == 2
    assert by_outcome["ok"].latency_sum == pytest.approx(0.9)
    assert by_outcome["ok"].latency_histogram == {"0.25": 1, "1": 1}
    assert by_outcome["unavailable"].latency_histogram == {"5": 1}
    assert recorder.flush() == 0


def test_a_second_flush_adds_to_the_same_minute_row(app):
    recorder = get_recorder()
    with time_machine.travel(NOON, tick=False):
        recorder(record(seconds=0.2))
        recorder.flush()
        recorder(record(seconds=0.2))
        recorder(record(seconds=12))
        recorder.flush()
    [row] = rows()
    assert (row.count, row.latency_histogram) == (3, {"0.25": 2, "20": 1})
    assert row.minute == NOON.replace(second=0)


def test_two_workers_flushing_the_same_rows_at_once_sum_their_figures(make_app):
    apps = [make_app(), make_app()]  # two processes' worth of recorders over one database
    recorders = [get_recorder(a) for a in apps]
    with time_machine.travel(NOON, tick=False):
        for recorder in recorders:
            for _ in range(50):
                recorder(record(seconds=0.2))
                recorder(record(outcome="unavailable", seconds=3))
    barrier = threading.Barrier(len(recorders))
    errors = []

    def flush(recorder):
        barrier.wait()
        try:
            recorder.flush()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=flush, args=(r,)) for r in recorders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with apps[0].app_context():
        counts = {r.outcome: (r.count, r.latency_histogram) for r in rows()}
    assert counts == {"ok": (100, {"0.25": 100}), "unavailable": (100, {"5": 100})}


def test_concurrent_calls_from_many_threads_are_all_counted(app):
    recorder = get_recorder()

    def work():
        for _ in range(200):
            recorder(record(seconds=0.01))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.flush()
    assert db.session.execute(select(func.sum(HaierCallBucket.count))).scalar() == 1600


def test_a_failed_flush_keeps_the_figures_for_the_next_one(app, monkeypatch):
    recorder = get_recorder()
    recorder(record())
    monkeypatch.setattr(monitoring, "_merge_into_database", _raise_operational_error)
    with pytest.raises(RuntimeError):
        recorder.flush()
    assert recorder.pending_calls() == 1
    monkeypatch.undo()
    recorder(record())
    assert recorder.flush() == 2
    assert rows()[0].count == 2


def _raise_operational_error(pending):
    raise RuntimeError("database went away")


def test_the_background_flusher_writes_without_being_asked(make_app):
    app = make_app(MONITORING_FLUSH_SECONDS=0.05)
    recorder = get_recorder(app)
    try:
        recorder(record())
        deadline = time.monotonic() + 10
        with app.app_context():
            while not rows():
                assert time.monotonic() < deadline, "the flusher never wrote the call"
                time.sleep(0.02)
            assert rows()[0].count == 1
    finally:
        recorder.stop()


def test_rows_older_than_the_retention_are_pruned(app):
    recorder = get_recorder()
    with time_machine.travel(NOON - timedelta(hours=72), tick=False):
        recorder(record())
        recorder.flush()
    with time_machine.travel(NOON, tick=False):
        recorder(record())
        recorder.flush()
        assert recorder.prune() == 1
    assert [r.minute for r in rows()] == [NOON.replace(second=0)]


# --- figures -------------------------------------------------------------------------------------------


def test_figures_match_a_known_sequence_of_sandbox_calls_with_faults(app, sandbox):
    outcomes = drive_known_sequence(app, sandbox)
    assert outcomes == ["ok"] * 8 + ["unavailable", "business_error", "auth_error", "ok"]
    monitoring.flush()
    hour, day = monitoring_report.monitoring_overview()
    for window in (hour, day):
        assert window.calls == EXPECTED.calls
        assert window.errors == EXPECTED.errors
        assert window.error_rate == pytest.approx(0.25)
        assert (window.stock_queries, window.stock_failures) == (12, 3)
        assert window.stock_success_rate == pytest.approx(0.75)
        assert (window.auth_attempts, window.auth_failures) == (3, 1)
        assert window.auth_success_rate == pytest.approx(2 / 3)
        assert window.latency_p50 == pytest.approx(EXPECTED.latency_p50)
        assert window.latency_p95 == pytest.approx(EXPECTED.latency_p95)
        assert window.outcomes == EXPECTED.outcomes
        assert (window.latency_alert, window.auth_alert, window.stock_alert, window.error_alert) == (
            True,
            True,
            True,
            True,
        )


def test_no_calls_means_no_figures_not_zero(app):
    hour, day = monitoring_report.monitoring_overview()
    assert (hour.calls, hour.latency_p95, hour.error_rate, hour.auth_success_rate) == (0, None, None, None)
    assert (hour.latency_alert, hour.auth_alert, hour.stock_alert, hour.error_alert) == (None,) * 4
    assert len(hour.series) == 12 and len(day.series) == 24


def test_the_hour_leaves_out_older_calls_the_day_keeps_them(app):
    recorder = get_recorder()
    with time_machine.travel(NOON - timedelta(hours=3), tick=False):
        recorder(record(outcome="unavailable", seconds=40))
        recorder.flush()
    with time_machine.travel(NOON - timedelta(hours=25), tick=False):
        recorder(record(outcome="unavailable"))
        recorder.flush()
    with time_machine.travel(NOON, tick=False):
        recorder(record(seconds=0.2))
        recorder.flush()
        hour, day = monitoring_report.monitoring_overview()
    assert (hour.calls, hour.errors) == (1, 0)
    assert (day.calls, day.errors) == (2, 1)
    assert hour.latency_alert is False and day.latency_alert is True  # p95 of (0.2, 40) lies above 30 s
    # The day's series: 24 clock-hour slots, the last one 12:00; the 40 s call sits in the 09:00 slot.
    assert [p.calls for p in day.series][-4:] == [1, 0, 0, 1]
    assert day.series[-1].start == NOON.replace(minute=0, second=0)
    assert day.series[-4].error_rate == 1.0 and day.series[-3].error_rate is None


def test_token_calls_count_as_authentication_not_as_api_calls(app):
    recorder = get_recorder()
    recorder(record("token", "ok", 0.1))
    recorder(record("token", "auth_error", 0.1))
    recorder(record("get_products", "ok", 1.5))
    recorder.flush()
    [hour, _] = monitoring_report.monitoring_overview()
    assert (hour.calls, hour.auth_attempts, hour.auth_failures, hour.stock_queries) == (1, 2, 1, 0)
    assert hour.latency_p50 == pytest.approx(1 + 1.5 * 0.5)


def test_sync_outcomes_by_kind_and_status_within_each_window(app):
    now = datetime.now(UTC)

    def run(kind, status, finished_ago):
        finished = None if finished_ago is None else now - finished_ago
        db.session.add(
            SyncRun(
                kind=kind,
                trigger="schedule",
                operator="scheduler",
                status=status,
                started_at=(finished or now) - timedelta(minutes=1),
                finished_at=finished,
            )
        )

    run("stock", "succeeded", timedelta(minutes=5))
    run("stock", "failed", timedelta(minutes=10))
    run("stock", "partial", timedelta(hours=5))
    run("catalogue", "succeeded", timedelta(hours=30))  # outside both windows
    run("prices", "running", None)
    db.session.commit()
    hour, day = monitoring_report.monitoring_overview()
    assert hour.sync_outcomes == {"stock": {"succeeded": 1, "failed": 1}, "prices": {"running": 1}}
    assert day.sync_outcomes == {
        "stock": {"succeeded": 1, "failed": 1, "partial": 1},
        "prices": {"running": 1},
    }
