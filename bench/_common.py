"""Shared bits for the benchmark scripts: timing, percentiles and throw-away databases."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_BASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50, p95


def time_calls(fn: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples_ms: list[float]) -> None:
    p50, p95 = percentiles(samples_ms)
    print(f"  {label:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples_ms)})")


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A throw-away PostgreSQL database, or None when PostgreSQL is not reachable."""
    name = f"dashboard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - a benchmark reports and carries on
        print(f"  PostgreSQL unavailable ({error.__class__.__name__}); skipping")
        yield None
        return
    try:
        yield PG_BASE.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(database_uri: str, **overrides):
    """An app on `database_uri`, migrated to head."""
    import flask_migrate

    from dashboard import create_app
    from dashboard.config import TestConfig

    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=database_uri, **overrides)
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
    return app
