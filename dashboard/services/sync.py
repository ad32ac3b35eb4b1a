"""The sync engine: catalogue, prices and stock kept in step with Haier. Used by the command, the buttons, the
API and the scheduler alike.

    run_sync(kind, trigger=…, operator=…, …) -> SyncSummary          synchronous, one SyncRun per call
    start_sync_in_background(kind, trigger=…, operator=…, …) -> SyncRun   returns at once (buttons)
    cancel_sync(run_id)                                               the run stops within a second or two
    sync_product_stock(product_id, …) / sync_product_prices(product_id, …) -> ProductSyncResult

Stock is only ever written through dashboard.services.inventory.sync_stock; catalogue fields and prices are
written here. Haier errors of the single-product calls propagate as the client's typed exceptions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from dashboard.extensions import cache, db
from dashboard.haier import get_haier_client
from dashboard.metrics import SYNC_RUNS
from dashboard.models import Product, Source, SyncKind, SyncRun, SyncStatus, SyncTrigger
from dashboard.services.sync_catalogue import CatalogueScope, run_catalogue_sync
from dashboard.services.sync_mapping import FieldChange
from dashboard.services.sync_product import (
    ProductNotFound,
    ProductSyncResult,
    sync_product_prices,
    sync_product_stock,
)
from dashboard.services.sync_runner import (
    RunTracker,
    SyncAlreadyRunning,
    SyncError,
    describe_haier_error,
    open_run,
    product_ids_for_codes,
    recent_runs,
    request_cancel,
    running_catalogue_wide_run,
    running_runs,
)
from dashboard.services.sync_stock import InvalidSyncRequest, StockTarget, resolve_county, run_stock_sync

__all__ = [
    "InvalidSyncRequest",
    "ProductNotFound",
    "ProductSyncResult",
    "SyncAlreadyRunning",
    "SyncError",
    "SyncSummary",
    "cancel_sync",
    "create_sync_run",
    "describe_haier_error",
    "join_background_syncs",
    "product_ids_for_codes",
    "recent_runs",
    "running_runs",
    "run_sync",
    "resolve_county",
    "running_catalogue_wide_run",
    "start_sync_in_background",
    "sync_product_prices",
    "sync_product_stock",
]

logger = logging.getLogger(__name__)

MAX_CONCURRENCY = 64
PARAM_CODES_KEPT = 200
TRIGGER_SOURCES = {
    SyncTrigger.BUTTON: Source.WEB,
    SyncTrigger.COMMAND: Source.CLI,
    SyncTrigger.SCHEDULE: Source.SCHEDULER,
}


@dataclass(frozen=True)
class SyncSummary:
    run_id: int
    kind: SyncKind
    status: SyncStatus
    total: int
    changed: int
    unchanged: int
    failed: int
    errors: list[SyncError]
    dry_run: bool
    changes: list[FieldChange] = field(default_factory=list)  # dry runs: what would change
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is SyncStatus.SUCCEEDED


@dataclass(frozen=True)
class _Options:
    product_codes: list[str] | None
    catalogue_filter: dict | None
    category: str | None
    brand: str | None
    county_code: str | None
    county_name: str | None
    concurrency: int
    dry_run: bool

    @property
    def catalogue_wide(self) -> bool:
        return self.product_codes is None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"concurrency": self.concurrency, "dry_run": self.dry_run}
        if self.product_codes is not None:
            params["product_codes"] = self.product_codes[:PARAM_CODES_KEPT]
            params["product_code_count"] = len(self.product_codes)
        for name in ("catalogue_filter", "category", "brand", "county_code"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        return params


# --- validation ---------------------------------------------------------------------------------------------------


def _options(kind: SyncKind, **raw: Any) -> _Options:
    concurrency = raw.get("concurrency") or current_app.config.get("SYNC_CONCURRENCY", 16)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidSyncRequest(f"并发数必须在 1 到 {MAX_CONCURRENCY} 之间：{concurrency}")
    codes = raw.get("product_codes")
    if codes is not None:
        codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
        if not codes:
            raise InvalidSyncRequest("没有给出商品编码")
    county, county_name = resolve_county(raw.get("county_code")) if kind is SyncKind.STOCK else (None, None)
    return _Options(
        product_codes=codes,
        catalogue_filter=dict(raw["catalogue_filter"]) if raw.get("catalogue_filter") else None,
        category=(raw.get("category") or "").strip() or None,
        brand=(raw.get("brand") or "").strip() or None,
        county_code=county,
        county_name=county_name,
        concurrency=concurrency,
        dry_run=bool(raw.get("dry_run")),
    )


# --- runs ---------------------------------------------------------------------------------------------------------


def create_sync_run(
    kind: SyncKind | str, *, trigger: SyncTrigger | str, operator: str, **options: Any
) -> SyncRun:
    """Validate the options and insert the running SyncRun. Raises InvalidSyncRequest or SyncAlreadyRunning."""
    kind = SyncKind(kind)
    return _open_run(kind, SyncTrigger(trigger), operator, _options(kind, **options))


def _open_run(kind: SyncKind, trigger: SyncTrigger, operator: str, opts: _Options) -> SyncRun:
    return open_run(
        kind=kind.value,
        trigger=trigger.value,
        operator=operator,
        params=opts.params(),
        catalogue_wide=opts.catalogue_wide,
    )


def run_sync(
    kind: SyncKind | str,
    *,
    trigger: SyncTrigger | str,
    operator: str,
    product_codes: list[str] | None = None,
    catalogue_filter: dict | None = None,
    category: str | None = None,
    brand: str | None = None,
    county_code: str | None = None,
    concurrency: int | None = None,
    dry_run: bool = False,
    progress: Callable[[SyncRun], None] | None = None,
    run_id: int | None = None,
) -> SyncSummary:
    """Run one sync to its end (or cancel) and return what it did.

    Creates the SyncRun, or continues the running one given as `run_id` (created by create_sync_run). A
    second catalogue-wide run raises SyncAlreadyRunning. A failed call for a product leaves its data as it
    was and is recorded with its code; the run then ends `partial` (or `failed` if nothing succeeded).
    """
    kind, trigger = SyncKind(kind), SyncTrigger(trigger)
    opts = _options(
        kind,
        product_codes=product_codes,
        catalogue_filter=catalogue_filter,
        category=category,
        brand=brand,
        county_code=county_code,
        concurrency=concurrency,
        dry_run=dry_run,
    )
    if run_id is None:
        run = _open_run(kind, trigger, operator, opts)
    else:
        run = db.session.get(SyncRun, run_id)
        if run is None or run.status != SyncStatus.RUNNING.value:
            raise InvalidSyncRequest(f"同步任务 {run_id} 不存在或已结束")
    tracker = RunTracker(run, kind=kind.value, dry_run=opts.dry_run)
    app = current_app._get_current_object()
    logger.info(
        "sync run started",
        extra={"sync_run_id": run.id, "sync_kind": kind.value, "sync_trigger": trigger.value},
    )
    try:
        _execute(app, kind, trigger, operator, opts, tracker, progress)
        status, message = tracker.final_status(), tracker.fatal
    except Exception as exc:
        db.session.rollback()
        logger.exception("sync run crashed", extra={"sync_run_id": run.id})
        status, message = SyncStatus.FAILED, f"同步出错：{type(exc).__name__}: {exc}"[:500]
    run = tracker.finish(status, message)
    SYNC_RUNS.labels(kind=kind.value, status=status.value).inc()
    logger.info(
        "sync run finished",
        extra={
            "sync_run_id": run.id,
            "sync_status": status.value,
            "sync_changed": run.changed,
            "sync_failed": run.failed,
        },
    )
    return SyncSummary(
        run_id=run.id,
        kind=kind,
        status=status,
        total=run.total,
        changed=run.changed,
        unchanged=run.unchanged,
        failed=run.failed,
        errors=list(tracker.errors),
        dry_run=opts.dry_run,
        changes=list(tracker.changes),
        message=message,
    )


def _execute(app: Flask, kind, trigger, operator, opts: _Options, tracker: RunTracker, progress) -> None:
    if kind is SyncKind.STOCK:
        items = _stock_items(opts, tracker)
        tracker.set_total(len(items) + tracker.failed)
        target = StockTarget(
            county_code=opts.county_code,
            county_name=opts.county_name,
            operator=operator,
            source=TRIGGER_SOURCES[trigger],
            dry_run=opts.dry_run,
            request_id=f"sync-run-{tracker.run_id}",
        )
        run_stock_sync(app, tracker, items, target, concurrency=opts.concurrency, progress=progress)
        return
    with_catalogue = kind is SyncKind.CATALOGUE
    codes = opts.product_codes
    if codes is None and (opts.catalogue_filter or not with_catalogue):
        codes = [code for _, code in _local_products(opts)]
    scope = CatalogueScope(with_catalogue, codes, opts.category, opts.brand, opts.dry_run)
    run_catalogue_sync(get_haier_client(), tracker, scope, concurrency=opts.concurrency, progress=progress)
    if with_catalogue and not opts.dry_run:
        from dashboard.services.catalogue import filter_options

        cache.delete_memoized(filter_options)


def _local_products(opts: _Options) -> list[tuple[int, str]]:
    """(id, code) of the local products a run covers: a catalogue filter, category/brand, or everything.

    Products Haier no longer returns are left out unless asked for by code.
    """
    stmt = select(Product.id, Product.code).order_by(Product.id)
    if opts.product_codes is not None:
        stmt = stmt.where(Product.code.in_(opts.product_codes))
    else:
        stmt = stmt.where(Product.missing_from_haier_at.is_(None))
        if opts.catalogue_filter:
            from dashboard.services import catalogue

            f = catalogue.parse_filter(opts.catalogue_filter)
            ids = catalogue.product_ids_matching(f, current_app.config["LOW_STOCK_THRESHOLD"])
            stmt = stmt.where(Product.id.in_(ids))
    if opts.category:
        stmt = stmt.where(Product.category == opts.category)
    if opts.brand:
        stmt = stmt.where(Product.brand == opts.brand)
    rows = [(row.id, row.code) for row in db.session.execute(stmt)]
    db.session.commit()
    return rows


def _stock_items(opts: _Options, tracker: RunTracker) -> list[tuple[int, str]]:
    items = _local_products(opts)
    if opts.product_codes is not None:
        known = {code for _, code in items}
        for code in opts.product_codes:
            if code not in known:
                tracker.item_failed(code, "本地目录中没有该商品", "error")
    return items


def start_sync_in_background(
    kind: SyncKind | str, *, trigger: SyncTrigger | str, operator: str, **options: Any
) -> SyncRun:
    """Create the SyncRun and run it in a background thread with its own app context; returns at once.

    Raises SyncAlreadyRunning (carrying the running run) for a second catalogue-wide run, and
    InvalidSyncRequest for bad options, before any thread starts.
    """
    run = create_sync_run(kind, trigger=trigger, operator=operator, **options)
    app = current_app._get_current_object()
    thread = threading.Thread(
        target=_run_in_thread,
        args=(app, run.id, SyncKind(kind), SyncTrigger(trigger), operator, options),
        name=f"sync-run-{run.id}",
        daemon=True,  # a run cut short by process exit is reaped later by its stale heartbeat
    )
    threads = app.extensions.setdefault("sync_threads", {})
    for run_id in [rid for rid, t in threads.items() if not t.is_alive()]:
        del threads[run_id]
    threads[run.id] = thread
    thread.start()
    return run


def _run_in_thread(
    app: Flask, run_id: int, kind: SyncKind, trigger: SyncTrigger, operator: str, options: dict
) -> None:
    with app.app_context():
        try:
            run_sync(kind, trigger=trigger, operator=operator, run_id=run_id, **options)
        except Exception:
            logger.exception("background sync run could not run", extra={"sync_run_id": run_id})
        finally:
            db.session.remove()


def join_background_syncs(app: Flask, timeout: float = 30.0) -> bool:
    """Wait for this app's background runs (tests, shutdown); True when none is left running."""
    deadline = time.monotonic() + timeout
    for thread in list(app.extensions.get("sync_threads", {}).values()):
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in app.extensions.get("sync_threads", {}).values())


def cancel_sync(run_id: int) -> None:
    """Ask a running run to stop; its workers stop between items and the run ends `cancelled`."""
    if not request_cancel(run_id):
        logger.info("cancel asked for a run that is not running", extra={"sync_run_id": run_id})
