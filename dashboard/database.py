"""Engine set-up per backend: SQLite gets WAL, a busy timeout and explicit BEGINs."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dashboard.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers that must not interleave (the stock ledger) ask for an immediate write lock up front;
        # a deferred BEGIN would upgrade to a write lock later and can fail with SQLITE_BUSY mid-way.
        if connection.get_execution_options().get("sqlite_begin_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def begin_write() -> None:
    """Commit the session's open transaction, then begin a write transaction (BEGIN IMMEDIATE on SQLite).

    A deferred SQLite transaction that reads first and writes later fails at once (no busy wait) when another
    connection committed in between, and one that has read cannot be upgraded; taking the write lock up front
    makes a writer wait its turn instead. The open transaction is committed rather than rolled back so that no
    caller's work is silently discarded: read freely before calling, but commit your own writes first.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin_immediate": True})
