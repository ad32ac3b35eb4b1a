"""Two app instances with schedulers on one database (SQLite and PostgreSQL): one run per trigger, and a
crashed holder's lease lapsing so the other instance takes over."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from dashboard.scheduler import FiringStatus, install, lease, lease_name
from dashboard.scheduler.history import ABANDONED_MESSAGE, start_run
from dashboard.scheduler.triggers import Every
from tests.scheduler._support import T0, job_runs, stand_in, sync_run_count


def _two_instances(make_app, job_factory=stand_in):
    apps = [make_app(), make_app()]
    return apps, [install(app, [job_factory()]) for app in apps]


def _fire_together(schedulers, now) -> list:
    barrier = threading.Barrier(len(schedulers))
    firings: list = [None] * len(schedulers)

    def fire(i: int) -> None:
        barrier.wait(10)
        firings[i] = schedulers[i].fire("stand_in", now=now)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(schedulers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return firings


def test_two_instances_firing_the_same_trigger_at_once_run_it_once(make_app, app):
    _, schedulers = _two_instances(make_app)

    firings = _fire_together(schedulers, T0)

    statuses = sorted(f.status for f in firings)
    assert statuses.count(FiringStatus.RAN) == 1
    assert set(statuses) <= {FiringStatus.RAN, FiringStatus.BUSY, FiringStatus.ALREADY_RAN}
    [run] = job_runs()
    assert run.outcome == "succeeded" and sync_run_count() == 1


def test_an_instance_firing_after_the_winner_finished_does_not_run_the_slot_again(make_app, app):
    _, (first, second) = _two_instances(make_app)

    assert first.fire("stand_in", now=T0).status is FiringStatus.RAN
    late = second.fire("stand_in", now=T0 + timedelta(seconds=2))

    assert late.status is FiringStatus.ALREADY_RAN
    assert len(job_runs()) == 1 and sync_run_count() == 1


def test_each_trigger_runs_once_over_several_slots(make_app, app):
    _, schedulers = _two_instances(make_app)

    for slot in range(3):
        _fire_together(schedulers, T0 + timedelta(minutes=30 * slot))

    runs = job_runs()
    assert len(runs) == 3 and sync_run_count() == 3
    assert [r.outcome for r in runs] == ["succeeded"] * 3


def test_a_crashed_holders_lease_expires_and_the_other_instance_takes_over(make_app, app):
    (crashed_app, _), (_, survivor) = _two_instances(make_app)
    ttl = survivor.lease_seconds
    # Instance 1 won the slot and died mid-run: lease taken, run recorded, nothing finished or released.
    with crashed_app.app_context():
        dead = lease.try_acquire(lease_name("stand_in"), "dead-host:1:x", ttl, now=T0)
        start_run("stand_in", dead.owner, T0)

    while_held = survivor.fire("stand_in", now=T0 + timedelta(seconds=ttl - 1))
    after_expiry = survivor.fire("stand_in", now=T0 + timedelta(minutes=30))

    assert while_held.status is FiringStatus.BUSY
    assert after_expiry.status is FiringStatus.RAN
    abandoned, taken_over = job_runs()
    assert (abandoned.owner, abandoned.outcome, abandoned.message) == (
        "dead-host:1:x",
        "failed",
        ABANDONED_MESSAGE,
    )
    assert taken_over.outcome == "succeeded" and taken_over.owner != abandoned.owner
    assert lease.holder(lease_name("stand_in"), now=T0 + timedelta(minutes=30)) is None


def test_two_real_schedulers_on_one_database_run_each_slot_once(make_app, app):
    """Both instances run a BackgroundScheduler firing every second; each one-second slot runs at most once."""
    trigger = Every(1)
    _, schedulers = _two_instances(make_app, lambda: stand_in(trigger=trigger))
    for scheduler in schedulers:
        scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len([r for r in job_runs() if r.finished_at]) < 3:
            time.sleep(0.05)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown()

    runs = [r for r in job_runs() if r.finished_at]
    assert len(runs) >= 3, f"only {len(runs)} runs within 15 s"
    slots = [trigger.previous_fire_time(r.started_at) for r in runs]
    assert len(slots) == len(set(slots)), "a slot ran twice"
    assert sync_run_count() == len(job_runs())
