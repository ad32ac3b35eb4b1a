"""A named lease in the database: whoever holds the unexpired row may run; everyone else stays out.

One mechanism on SQLite and PostgreSQL alike, rather than a PostgreSQL advisory lock: an advisory lock belongs to
a pooled connection (so it outlives the work or vanishes with a recycled connection) and carries no owner or
expiry the scheduler page could show. The row is race-safe because

- taking it over is one conditional UPDATE (`expires_at <= now OR owner = me`): on PostgreSQL a concurrent
  updater waits for the first and then re-checks the condition against the new row, so only one wins;
- creating it is an INSERT on the primary key: the second inserter gets an IntegrityError;
- on SQLite the whole attempt runs under BEGIN IMMEDIATE, so attempts queue on the write lock (busy timeout)
  instead of failing half-way.

Every call takes `now` so tests drive time explicitly; production passes nothing and gets the wall clock. Hosts
sharing a database need clocks in step by much less than the lease (NTP gives milliseconds).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.extensions import db
from dashboard.models import SchedulerLease
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


def new_owner() -> str:
    """An owner tag for one acquisition: host and pid say who, the random part keeps two runs in one process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def write_transaction() -> Iterator[Connection]:
    # Its own connection and transaction: a lease decision commits at once, whatever the caller's session holds.
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_begin_immediate=True)
        with conn.begin():
            yield conn


def acquire_on(conn: Connection, name: str, owner: str, ttl: float, *, now: datetime) -> Lease:
    """Take `name` on the caller's write transaction (free, expired or already ours).

    Raises IntegrityError when someone else holds it; a caller sharing a larger transaction wraps this in a
    savepoint. The sync engine does, so a run and its lease are committed together.
    """
    expires = now + timedelta(seconds=ttl)
    taken = conn.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where(or_(SchedulerLease.expires_at <= now, SchedulerLease.owner == owner))
        .values(owner=owner, acquired_at=now, expires_at=expires)
    ).rowcount
    if taken != 1:
        conn.execute(
            insert(SchedulerLease).values(name=name, owner=owner, acquired_at=now, expires_at=expires)
        )
    return Lease(name, owner, now, expires)


def renew_on(conn: Connection, name: str, owner: str, ttl: float, *, now: datetime) -> bool:
    """Push our lease's expiry to now + ttl on the caller's transaction; False when it is no longer ours."""
    renewed = conn.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.owner == owner)
        .values(expires_at=now + timedelta(seconds=ttl))
    ).rowcount
    return renewed == 1


def release_on(conn: Connection, name: str, owner: str) -> bool:
    """Delete our lease row on the caller's transaction; False when someone else holds it by now."""
    released = conn.execute(
        delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.owner == owner)
    ).rowcount
    return released == 1


def try_acquire(name: str, owner: str, ttl: float, *, now: datetime | None = None) -> Lease | None:
    """Take the lease `name` for `ttl` seconds if it is free, expired or already ours; None if someone holds it."""
    try:
        with write_transaction() as conn:
            held = acquire_on(conn, name, owner, ttl, now=now or utcnow())
    except IntegrityError:
        return None
    return held


def renew(name: str, owner: str, ttl: float, *, now: datetime | None = None) -> bool:
    """Push our lease's expiry to now + ttl. False when it is no longer ours (it lapsed and was taken over)."""
    with write_transaction() as conn:
        return renew_on(conn, name, owner, ttl, now=now or utcnow())


def release(name: str, owner: str) -> bool:
    """Give the lease up; a no-op (False) when someone else holds it by now."""
    with write_transaction() as conn:
        return release_on(conn, name, owner)


def holder(name: str, *, now: datetime | None = None) -> Lease | None:
    """The current unexpired holder of `name`, if any."""
    now = now or utcnow()
    with db.engine.connect() as conn:
        row = conn.execute(select(SchedulerLease).where(SchedulerLease.name == name)).first()
    if row is None or row.expires_at <= now:
        return None
    return Lease(row.name, row.owner, row.acquired_at, row.expires_at)


class LeaseKeeper:
    """Renews a held lease every third of its lifetime from a daemon thread while a job runs.

    `lost` is set when a renewal finds the lease gone (this process stalled past the expiry and another took
    over); the job cannot be pulled back, but its record says so.
    """

    def __init__(
        self,
        app: Flask,
        lease: Lease,
        ttl: float,
        *,
        clock: Callable[[], datetime] = utcnow,
        interval: float | None = None,
    ) -> None:
        self.app = app
        self.lease = lease
        self.ttl = ttl
        self.clock = clock
        self.interval = interval if interval is not None else ttl / 3
        self.lost = threading.Event()
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.name}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.wait(self.interval):
                try:
                    still_ours = renew(self.lease.name, self.lease.owner, self.ttl, now=self.clock())
                except Exception:
                    # A database hiccup: try again next beat; the lease outlives two missed beats.
                    logger.exception("lease renewal failed", extra={"lease": self.lease.name})
                    continue
                if not still_ours:
                    logger.error(
                        "lease lost while the job was running",
                        extra={"lease": self.lease.name, "owner": self.lease.owner},
                    )
                    self.lost.set()
                    return
                self.renewals += 1
