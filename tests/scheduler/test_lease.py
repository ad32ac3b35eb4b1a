"""The database lease on SQLite and PostgreSQL: acquire, renew, expiry, takeover, release, races."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from dashboard.extensions import db
from dashboard.models import SchedulerLease
from dashboard.scheduler import lease
from tests.scheduler._support import T0

TTL = 60.0


def test_a_free_lease_is_acquired_and_recorded(app):
    held = lease.try_acquire("job:x", "host:1:a", TTL, now=T0)

    assert held is not None and held.owner == "host:1:a"
    assert held.expires_at == T0 + timedelta(seconds=TTL)
    row = db.session.get(SchedulerLease, "job:x")
    assert (row.owner, row.expires_at) == ("host:1:a", T0 + timedelta(seconds=TTL))


def test_a_held_lease_is_refused_to_another_owner_until_it_expires(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)

    assert lease.try_acquire("job:x", "host:2:b", TTL, now=T0 + timedelta(seconds=TTL - 1)) is None
    assert lease.holder("job:x", now=T0 + timedelta(seconds=TTL - 1)).owner == "host:1:a"


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_renew_it(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)
    later = T0 + timedelta(seconds=TTL + 1)

    taken = lease.try_acquire("job:x", "host:2:b", TTL, now=later)

    assert taken is not None and taken.owner == "host:2:b"
    assert lease.renew("job:x", "host:1:a", TTL, now=later) is False
    assert lease.holder("job:x", now=later).owner == "host:2:b"


def test_renewing_pushes_the_expiry_so_the_lease_outlives_its_first_term(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)
    renewed_at = T0 + timedelta(seconds=TTL - 5)

    assert lease.renew("job:x", "host:1:a", TTL, now=renewed_at) is True

    after_first_term = T0 + timedelta(seconds=TTL + 10)
    assert lease.try_acquire("job:x", "host:2:b", TTL, now=after_first_term) is None
    assert lease.holder("job:x", now=after_first_term).expires_at == renewed_at + timedelta(seconds=TTL)


def test_the_holder_may_acquire_again(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)

    again = lease.try_acquire("job:x", "host:1:a", TTL, now=T0 + timedelta(seconds=1))

    assert again is not None and again.expires_at == T0 + timedelta(seconds=TTL + 1)


def test_release_frees_the_lease_but_only_for_its_owner(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)

    assert lease.release("job:x", "host:2:b") is False
    assert lease.holder("job:x", now=T0) is not None
    assert lease.release("job:x", "host:1:a") is True
    assert lease.holder("job:x", now=T0) is None
    assert lease.try_acquire("job:x", "host:2:b", TTL, now=T0) is not None


def test_leases_are_independent_by_name(app):
    lease.try_acquire("job:x", "host:1:a", TTL, now=T0)

    assert lease.try_acquire("job:y", "host:2:b", TTL, now=T0) is not None


def _race(app, contenders: int, name: str, now) -> list:
    barrier = threading.Barrier(contenders)
    results: list = [None] * contenders

    def contend(i: int) -> None:
        with app.app_context():
            barrier.wait(10)
            results[i] = lease.try_acquire(name, f"host:{i}:x", TTL, now=now)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return results


def test_racing_for_a_new_lease_exactly_one_wins(app):
    results = _race(app, 6, "job:race", T0)

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert lease.holder("job:race", now=T0).owner == winners[0].owner


def test_racing_to_take_over_an_expired_lease_exactly_one_wins(app):
    lease.try_acquire("job:race", "dead:1:x", TTL, now=T0)

    results = _race(app, 6, "job:race", T0 + timedelta(seconds=TTL + 1))

    assert len([r for r in results if r is not None]) == 1


def _poll(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_the_keeper_renews_the_lease_while_the_job_runs(app):
    held = lease.try_acquire("job:x", "host:1:a", 0.3)

    with lease.LeaseKeeper(app, held, 0.3, interval=0.02) as keeper:
        renewed = _poll(
            lambda: lease.holder("job:x") is not None and lease.holder("job:x").expires_at > held.expires_at
        )

    assert renewed and keeper.renewals >= 1 and not keeper.lost.is_set()


def test_the_keeper_reports_a_lease_lost_to_a_takeover(app):
    held = lease.try_acquire("job:x", "host:1:a", TTL)
    # Someone decides our lease lapsed (we stalled): they take it over.
    lease.try_acquire("job:x", "host:2:b", TTL, now=held.expires_at + timedelta(seconds=1))

    with lease.LeaseKeeper(app, held, TTL, interval=0.02) as keeper:
        lost = _poll(keeper.lost.is_set)

    assert lost
    assert lease.holder("job:x", now=held.expires_at + timedelta(seconds=2)).owner == "host:2:b"


def test_owner_tags_name_host_and_process_and_differ_per_acquisition():
    import os
    import socket

    first, second = lease.new_owner(), lease.new_owner()

    assert first.startswith(f"{socket.gethostname()}:{os.getpid()}:")
    assert first != second
