"""The persisted rolling window of Haier calls behind the monitoring page.

Every CallRecord the Haier client emits is tallied in memory per (minute, endpoint, outcome) and merged
into `HaierCallBucket` rows every few seconds by a background thread (and on exit, and before the page
reads). Why not one upsert per call: a stock sync makes up to 100 Haier calls a second from 16 threads; one
write transaction per call would put the database's write lock (on SQLite the single one the stock ledger
needs) on the hot path of every call, and merging the latency histogram JSON in one SQL statement differs per
backend. Tallying turns N calls into at most one row write per endpoint and outcome per interval. The price is
that a hard crash (kill -9) loses the last interval's figures; a normal exit flushes.

Several processes (gunicorn workers) merge into the same rows safely: each merge adds its counts to the
row under a row lock (PostgreSQL `SELECT … FOR UPDATE`) or the database write lock (SQLite `BEGIN
IMMEDIATE`), so figures are summed, never overwritten. Rows are locked in key order to avoid deadlocks.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.haier.observers import CallRecord
from dashboard.models import HaierCallBucket
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)

EXTENSION_KEY = "monitoring_recorder"
# Upper bounds (seconds) of the latency histogram kept per row; the last bucket is open-ended.
# 30 s is a bound so the "latency > 30 s" alert threshold can be told apart exactly.
LATENCY_BOUNDS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)
OVERFLOW_KEY = "+Inf"
PRUNE_EVERY_SECONDS = 600.0

Key = tuple[datetime, str, str]


def bucket_key(seconds: float) -> str:
    """The histogram key of a latency: the smallest upper bound it does not exceed."""
    for bound in LATENCY_BOUNDS:
        if seconds <= bound:
            return f"{bound:g}"
    return OVERFLOW_KEY


def quantile(histogram: Mapping[str, int], q: float) -> float | None:
    """Estimate the q-quantile (0..1) from bucket counts, interpolating linearly inside the bucket.

    The same estimate Prometheus's histogram_quantile makes; a quantile in the open-ended bucket is reported
    as its lower bound (60 s), the most we can honestly claim. None when there are no observations.
    """
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    cumulative, lower = 0, 0.0
    for bound in LATENCY_BOUNDS:
        count = histogram.get(f"{bound:g}", 0)
        if count and cumulative + count >= rank:
            return lower + (bound - lower) * (rank - cumulative) / count
        cumulative += count
        lower = float(bound)
    return lower


def merge_histograms(histograms: Iterable[Mapping[str, int]]) -> Counter[str]:
    merged: Counter[str] = Counter()
    for histogram in histograms:
        merged.update({key: int(value) for key, value in histogram.items()})
    return merged


def floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class Tally:
    count: int = 0
    latency_sum: float = 0.0
    histogram: Counter[str] = field(default_factory=Counter)

    def add(self, seconds: float) -> None:
        self.count += 1
        self.latency_sum += seconds
        self.histogram[bucket_key(seconds)] += 1

    def absorb(self, other: Tally) -> None:
        self.count += other.count
        self.latency_sum += other.latency_sum
        self.histogram.update(other.histogram)


class CallWindowRecorder:
    """A Haier observer that tallies calls in memory and merges them into the database."""

    def __init__(self, app: Flask, *, flush_seconds: float, retention_hours: float) -> None:
        self._app = app
        self.flush_seconds = flush_seconds
        self.retention = timedelta(hours=retention_hours)
        self._reset_process_state()

    def _reset_process_state(self) -> None:
        # Also run in a forked child: the parent's lock may have been held at fork time, its thread is gone,
        # and its pending figures are the parent's to flush, not ours.
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: dict[Key, Tally] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_prune = 0.0

    def __call__(self, record: CallRecord) -> None:
        if os.getpid() != self._pid:
            self._reset_process_state()
        key = (floor_minute(utcnow()), record.endpoint, record.outcome)
        with self._lock:
            self._pending.setdefault(key, Tally()).add(record.latency_s)
            if self.flush_seconds > 0 and self._thread is None:
                self._start_flusher()

    def pending_calls(self) -> int:
        with self._lock:
            return sum(t.count for t in self._pending.values())

    def flush(self) -> int:
        """Merge this process's tallies into the database now; returns the calls written."""
        with self._flush_lock:
            with self._lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return 0
            try:
                with self._app.app_context():
                    _merge_into_database(pending)
            except Exception:
                with self._lock:
                    for key, tally in pending.items():
                        self._pending.setdefault(key, Tally()).absorb(tally)
                raise
            return sum(t.count for t in pending.values())

    def prune(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention; returns how many went."""
        cutoff = (now or utcnow()) - self.retention
        with self._app.app_context():
            result = db.session.execute(delete(HaierCallBucket).where(HaierCallBucket.minute < cutoff))
            db.session.commit()
            return result.rowcount or 0

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background flusher (if any) after a last flush."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _start_flusher(self) -> None:
        self._thread = threading.Thread(
            target=_flush_loop, args=(weakref.ref(self),), name="monitoring-flush", daemon=True
        )
        self._thread.start()
        atexit.register(_flush_at_exit, weakref.ref(self))


def _flush_loop(recorder_ref: weakref.ref[CallWindowRecorder]) -> None:
    # A weak reference: the thread must not keep an app alive that nothing else uses.
    while True:
        recorder = recorder_ref()
        if recorder is None:
            return
        stop, interval = recorder._stop, recorder.flush_seconds
        del recorder
        stopped = stop.wait(interval)
        recorder = recorder_ref()
        if recorder is None:
            return
        _flush_quietly(recorder)
        if stopped:
            return
        if time_for_prune(recorder):
            try:
                recorder.prune()
            except Exception as exc:
                logger.warning("monitoring prune failed: %s", type(exc).__name__)
        del recorder


def time_for_prune(recorder: CallWindowRecorder) -> bool:
    now = time.monotonic()
    if now - recorder._last_prune < PRUNE_EVERY_SECONDS:
        return False
    recorder._last_prune = now
    return True


def _flush_quietly(recorder: CallWindowRecorder) -> None:
    try:
        recorder.flush()
    except Exception as exc:
        # Kept in memory and retried next time; one line, not a stack trace every few seconds.
        logger.warning(
            "monitoring flush failed, %d calls kept for the next try: %s",
            recorder.pending_calls(),
            type(exc).__name__,
        )


def _flush_at_exit(recorder_ref: weakref.ref[CallWindowRecorder]) -> None:
    recorder = recorder_ref()
    if recorder is not None and recorder._pid == os.getpid():
        _flush_quietly(recorder)


def _merge_into_database(pending: Mapping[Key, Tally]) -> None:
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session = db.session
    begin_write()
    try:
        for minute, endpoint, outcome in sorted(pending):
            tally = pending[(minute, endpoint, outcome)]
            session.execute(
                insert(HaierCallBucket)
                .values(
                    minute=minute,
                    endpoint=endpoint,
                    outcome=outcome,
                    count=0,
                    latency_sum=0.0,
                    latency_histogram={},
                )
                .on_conflict_do_nothing(index_elements=["minute", "endpoint", "outcome"])
            )
            row = session.execute(
                select(HaierCallBucket)
                .where(
                    HaierCallBucket.minute == minute,
                    HaierCallBucket.endpoint == endpoint,
                    HaierCallBucket.outcome == outcome,
                )
                .with_for_update()
            ).scalar_one()
            row.count += tally.count
            row.latency_sum += tally.latency_sum
            row.latency_histogram = dict(merge_histograms([row.latency_histogram or {}, tally.histogram]))
        session.commit()
    except Exception:
        session.rollback()
        raise


def init_app(app: Flask) -> CallWindowRecorder:
    """Record the app's Haier calls into the rolling window (`app.extensions["monitoring_recorder"]`)."""
    recorder = CallWindowRecorder(
        app,
        flush_seconds=float(app.config.get("MONITORING_FLUSH_SECONDS", 5.0)),
        retention_hours=float(app.config.get("MONITORING_RETENTION_HOURS", 48)),
    )
    app.extensions[EXTENSION_KEY] = recorder
    app.extensions.setdefault("haier_observers", []).append(recorder)
    return recorder


def get_recorder(app: Flask | None = None) -> CallWindowRecorder:
    return (app or current_app).extensions[EXTENSION_KEY]


def flush() -> int:
    """Write the current app's pending tallies now (the page calls it so this worker's calls show)."""
    return get_recorder().flush()
