"""Shared pieces of the sync tests: an app pointed at the sandbox with a frozen stock clock, and small readers."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.haier.sandbox.catalogue import catalogue
from dashboard.models import InventoryLog, Product, SyncRun
from tests.conftest import SANDBOX_TEST_SETTINGS, haier_settings_for

COUNTY = "110105"  # 北京市朝阳区
SANDBOX_CATALOGUE = catalogue(SANDBOX_TEST_SETTINGS["HAIER_SANDBOX_CATALOGUE_SIZE"])
FOR_SALE = [p for p in SANDBOX_CATALOGUE if p.is_sales]


def sync_settings(sandbox, **overrides) -> dict:
    """App settings for a sync test: the sandbox, a county of our choosing, a small pool."""
    state = get_sandbox_state(sandbox.app)
    state.freeze_clock(True)  # a drift step must not land in the middle of a test
    return {**haier_settings_for(sandbox), "DEFAULT_COUNTY_CODE": COUNTY, "SYNC_CONCURRENCY": 8, **overrides}


def app_with_catalogue(make_app, sandbox, concurrency: int):
    """Yield an app on the sandbox with the catalogue synced; background runs are cancelled and joined after."""
    from dashboard.models import SyncKind, SyncTrigger
    from dashboard.services import sync

    app = make_app(**sync_settings(sandbox, SYNC_CONCURRENCY=concurrency))
    with app.app_context():
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester")
        yield app
        for run in sync.running_runs():
            sync.cancel_sync(run.id)
        assert sync.join_background_syncs(app, timeout=20)


def log_count() -> int:
    fresh()
    return db.session.execute(select(func.count(InventoryLog.id))).scalar_one()


def fresh() -> None:
    """End the test's read transaction: on SQLite it would keep seeing the snapshot it started with."""
    db.session.rollback()


def product(code: str) -> Product:
    fresh()
    return db.session.execute(select(Product).where(Product.code == code)).scalar_one()


def run_row(run_id: int) -> SyncRun:
    fresh()
    return db.session.get(SyncRun, run_id)


def wait_until(condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.05):
    """Poll `condition` until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def expected_stock(sandbox, code: str) -> int | None:
    """The total the sandbox answers for `code` in COUNTY right now; None when it refuses the product there."""
    from dashboard.haier.sandbox.stock import NotPurchasable, stock_rows

    state = get_sandbox_state(sandbox.app)
    item = {p.code: p for p in SANDBOX_CATALOGUE}[code]
    try:
        rows = stock_rows(item, COUNTY, state.step(), state.settings.drift_seconds)
    except NotPurchasable:
        return None
    return sum(row.stock for row in rows)


def sellable_here(sandbox) -> list[str]:
    """Codes of products for sale that the sandbox answers stock for in COUNTY."""
    return [p.code for p in FOR_SALE if expected_stock(sandbox, p.code) is not None]
