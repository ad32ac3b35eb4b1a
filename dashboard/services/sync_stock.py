"""Stock sync of many products: check_stock per product under the client's shared rate limiter, in a pool of
worker threads that each hold their own app context (and so their own DB session).

Per product: the Haier answer is kept as the product's regional stock for the county (its own small
transaction), then the total goes through the stock ledger, which writes only a changed figure. A failed
call writes nothing: unknown is never zero.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import update

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.haier import HaierAuthError, HaierConfigError, HaierError, StockResult, get_haier_client
from dashboard.models import Product, Source, SyncRun
from dashboard.services.regional_stock import record_regional_stock
from dashboard.services.stock_check import county_location
from dashboard.services.stock_check_types import InvalidCountyCode
from dashboard.services.sync_mapping import FieldChange
from dashboard.services.sync_runner import RunTracker, describe_haier_error

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 0.5
# After a cancel, in-flight calls get this long to land; a call stuck on a slow Haier is abandoned.
CANCEL_GRACE_SECONDS = 1.0


class InvalidSyncRequest(ValueError):
    """The options cannot start a sync (bad county code, bad concurrency …); the message is for people."""


def resolve_county(code: str | None) -> tuple[str, str | None]:
    """The county to sync stock for (default: DEFAULT_COUNTY_CODE) and its name; InvalidSyncRequest if not one."""
    code = (code or current_app.config.get("DEFAULT_COUNTY_CODE") or "").strip()
    try:
        return code, county_location(code).county
    except InvalidCountyCode as error:
        named = code and code in str(error)
        raise InvalidSyncRequest(str(error) if named else f"{error}：{code or '（空）'}") from None


@dataclass(frozen=True)
class StockTarget:
    """Where and as whom stock is synced."""

    county_code: str
    county_name: str | None
    operator: str
    source: Source
    dry_run: bool = False
    request_id: str | None = None


def apply_stock_result(product_id: int, result: StockResult, target: StockTarget):
    """Store Haier's answer for one product: regional rows, then the ledger. Returns the StockChange or None."""
    from dashboard.services import inventory

    # The regional answer (and "checked at") is its own small transaction; the ledger then runs its own, and
    # writes nothing when the figure is unchanged. updated_at is kept: a check is not a change of the product.
    begin_write()
    record_regional_stock(product_id, result, target.county_name)
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(last_sync_at=result.checked_at, updated_at=Product.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    best = result.warehouses[0] if result.warehouses else None
    change = inventory.sync_stock(
        product_id,
        result.total,
        operator=target.operator,
        source=target.source,
        warehouse_code=best.sec_code if best else None,
        warehouse_grade=best.grade.value if best and best.grade else None,
        county_code=target.county_code,
        request_id=target.request_id,
    )
    db.session.commit()
    return change


def _sync_one(product_id: int, code: str, target: StockTarget, tracker: RunTracker) -> None:
    try:
        result = get_haier_client().check_stock(code, target.county_code)
    except (HaierAuthError, HaierConfigError) as exc:
        tracker.item_failed(code, describe_haier_error(exc), exc.outcome)
        tracker.stop_with(describe_haier_error(exc))
        return
    except HaierError as exc:
        tracker.item_failed(code, describe_haier_error(exc), exc.outcome)
        return
    try:
        if target.dry_run:
            before = db.session.get(Product, product_id).stock
            db.session.rollback()
            if before != result.total:
                tracker.item_changed([FieldChange(code, "stock", before, result.total)])
            else:
                tracker.item_unchanged()
            return
        if apply_stock_result(product_id, result, target) is None:
            tracker.item_unchanged()
        else:
            tracker.item_changed()
    except Exception as exc:  # a database or ledger failure for one product must not end the run
        db.session.rollback()
        logger.exception("stock sync could not save a product", extra={"product_code": code})
        tracker.item_failed(code, f"保存失败：{type(exc).__name__}: {exc}", "error")


def run_stock_sync(
    app: Flask,
    tracker: RunTracker,
    items: list[tuple[int, str]],
    target: StockTarget,
    *,
    concurrency: int,
    progress: Callable[[SyncRun], None] | None,
) -> None:
    """Sync `items` ((product id, code) pairs) with `concurrency` workers; returns when done or stopped."""
    pending: Iterator[tuple[int, str]] = iter(items)
    take_lock = threading.Lock()

    def next_item() -> tuple[int, str] | None:
        with take_lock:
            return next(pending, None)

    def worker() -> None:
        with app.app_context():
            while not tracker.stopping:
                item = next_item()
                if item is None:
                    return
                _sync_one(item[0], item[1], target, tracker)

    executor = ThreadPoolExecutor(
        max_workers=max(1, concurrency), thread_name_prefix=f"sync-{tracker.run_id}"
    )
    futures = [executor.submit(worker) for _ in range(min(max(1, concurrency), len(items)))]
    try:
        _coordinate(tracker, futures, progress)
    finally:
        # Workers stuck in a slow call finish on their own; nothing waits for them past the grace period.
        executor.shutdown(wait=False, cancel_futures=True)
    for future in futures:
        if future.done() and future.exception() is not None:
            raise future.exception()


def _coordinate(tracker: RunTracker, futures, progress: Callable[[SyncRun], None] | None) -> None:
    """Heartbeat, progress and cancellation from the calling thread while the workers run."""
    stop_seen_at: float | None = None
    while True:
        done, running = wait(futures, timeout=HEARTBEAT_SECONDS)
        run = tracker.flush()
        if progress is not None:
            progress(run)
        if not running:
            return
        if tracker.stopping:
            stop_seen_at = stop_seen_at or time.monotonic()
            if time.monotonic() - stop_seen_at >= CANCEL_GRACE_SECONDS:
                logger.info("sync stopped with calls still in flight", extra={"sync_run_id": tracker.run_id})
                return
