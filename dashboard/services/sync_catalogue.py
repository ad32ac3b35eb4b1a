"""Catalogue and price sync: Haier's product and price answers upserted onto products by code.

Work is cut into units of at most 20 codes (Haier's batch size). Worker threads only make the HTTP calls
(the client is thread-safe and needs no app context); the calling thread applies each unit's answers as it
lands, one small transaction per unit, so progress moves and a cancel stops between units.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sqlalchemy import select, update

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.haier import HaierAPI, HaierAuthError, HaierConfigError, HaierError, HaierPrice, HaierProduct
from dashboard.models import Product, SyncRun
from dashboard.services import sync_mapping as mapping
from dashboard.services.sync_mapping import FieldChange
from dashboard.services.sync_runner import RunTracker, describe_haier_error
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)

BATCH = 20
HEARTBEAT_SECONDS = 0.5
NO_PRICE_ANSWER = "海尔未返回该商品的价格"


@dataclass
class Unit:
    codes: list[str]
    items: list[HaierProduct] | None = None  # known already (full listing); None: fetch (or prices only)
    fetch_products: bool = False


@dataclass
class UnitResult:
    items: list[HaierProduct] | None = None
    prices: dict[str, HaierPrice] = field(default_factory=dict)
    product_error: HaierError | None = None
    price_error: HaierError | None = None


@dataclass(frozen=True)
class CatalogueScope:
    """What a catalogue or price run covers."""

    with_catalogue: bool  # False: prices only
    codes: list[str] | None  # None: Haier's full listing (catalogue) — never None for prices only
    category: str | None = None
    brand: str | None = None
    dry_run: bool = False


def _fetch(client: HaierAPI, unit: Unit) -> UnitResult:
    result = UnitResult(items=unit.items)
    if unit.fetch_products:
        try:
            result.items = client.get_products(unit.codes)
        except HaierError as exc:
            result.product_error = exc
            return result
    codes = [item.code for item in result.items] if result.items is not None else unit.codes
    if codes:
        try:
            result.prices = {price.code: price for price in client.get_product_prices(codes)}
        except HaierError as exc:
            result.price_error = exc
    return result


def _in_scope(item: HaierProduct, scope: CatalogueScope) -> bool:
    if scope.category and mapping.category_for_group(item.group) != scope.category:
        return False
    return not (scope.brand and (item.brand or "") != scope.brand)


def _local_scope_codes(scope: CatalogueScope) -> set[str]:
    stmt = select(Product.code)
    if scope.category:
        stmt = stmt.where(Product.category == scope.category)
    if scope.brand:
        stmt = stmt.where(Product.brand == scope.brand)
    return set(db.session.execute(stmt).scalars())


def plan_units(client: HaierAPI, scope: CatalogueScope, tracker: RunTracker) -> tuple[list[Unit], list[str]]:
    """The units of work and, for a full listing, the local codes Haier no longer returns."""
    if scope.codes is not None:
        codes = list(dict.fromkeys(scope.codes))
        tracker.set_total(len(codes))
        chunks = [codes[i : i + BATCH] for i in range(0, len(codes), BATCH)]
        return [Unit(chunk, fetch_products=scope.with_catalogue) for chunk in chunks], []
    listing = [item for item in client.get_products(None) if _in_scope(item, scope)]
    returned = {item.code for item in listing}
    gone = sorted(_local_scope_codes(scope) - returned)
    db.session.rollback()
    tracker.set_total(len(listing) + len(gone))
    units = [
        Unit([i.code for i in listing[n : n + BATCH]], items=listing[n : n + BATCH])
        for n in range(0, len(listing), BATCH)
    ]
    return units, gone


def run_catalogue_sync(
    client: HaierAPI,
    tracker: RunTracker,
    scope: CatalogueScope,
    *,
    concurrency: int,
    progress: Callable[[SyncRun], None] | None,
) -> None:
    try:
        units, gone = plan_units(client, scope, tracker)
    except (HaierAuthError, HaierConfigError, HaierError) as exc:
        tracker.stop_with(describe_haier_error(exc))
        return
    executor = ThreadPoolExecutor(
        max_workers=max(1, concurrency), thread_name_prefix=f"sync-{tracker.run_id}"
    )
    try:
        _drive(executor, max(1, concurrency), client, units, tracker, scope, progress)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    if gone and not tracker.stopping:
        _mark_missing(gone, tracker, scope.dry_run)
    run = tracker.flush()
    if progress is not None:
        progress(run)


def _drive(executor, limit, client, units, tracker, scope, progress) -> None:
    queue = list(reversed(units))
    in_flight: dict[Future, Unit] = {}
    last_flush = time.monotonic()
    while queue or in_flight:
        while queue and len(in_flight) < limit and not tracker.stopping:
            unit = queue.pop()
            in_flight[executor.submit(_fetch, client, unit)] = unit
        if not in_flight:
            return
        done, _ = wait(in_flight, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
        for future in done:
            unit = in_flight.pop(future)
            _apply_unit(unit, future.result(), tracker, scope)
        if time.monotonic() - last_flush >= HEARTBEAT_SECONDS:
            last_flush = time.monotonic()
            run = tracker.flush()
            if progress is not None:
                progress(run)
        if tracker.stopping:
            return


def _apply_unit(unit: Unit, result: UnitResult, tracker: RunTracker, scope: CatalogueScope) -> None:
    if result.product_error is not None:
        _fail_all(unit.codes, result.product_error, tracker)
        return
    db.session.commit()
    if not scope.dry_run:
        begin_write()
    local = {
        p.code: p for p in db.session.execute(select(Product).where(Product.code.in_(unit.codes))).scalars()
    }
    now = utcnow()
    by_code = {item.code: item for item in result.items} if result.items is not None else None
    confirmed: list[str] = []
    for code in unit.codes:
        product = local.get(code)
        if by_code is not None and code not in by_code:
            _missing_one(code, product, tracker, scope.dry_run, now)  # asked by code, not returned
            continue
        if product is None and by_code is None:
            tracker.item_failed(code, "本地目录中没有该商品", "error")
            continue
        values = mapping.catalogue_values(by_code[code], product) if by_code is not None else {}
        price = result.prices.get(code)
        if price is not None:
            values.update(mapping.price_values(price))
        if product is None:
            changes = [FieldChange(code, "created", None, values.get("model"))]
            if not scope.dry_run:
                stamps = {"catalogue_synced_at": now, "prices_synced_at": now if price else None}
                db.session.add(Product(code=code, **stamps, **values))
        else:
            changes = mapping.diff(product, values)
            if not scope.dry_run:
                mapping.apply(product, changes)
                confirmed.append(code)
        _count(code, changes, result, price, tracker)
    if not scope.dry_run:
        _confirm(confirmed, result, scope, now)
        db.session.commit()
    else:
        db.session.rollback()


def _count(code: str, changes, result: UnitResult, price: HaierPrice | None, tracker: RunTracker) -> None:
    if result.price_error is not None:
        tracker.item_failed(code, describe_haier_error(result.price_error), result.price_error.outcome)
    elif price is None:
        tracker.item_failed(code, NO_PRICE_ANSWER, "business_error")
    elif changes:
        tracker.item_changed(changes)
    else:
        tracker.item_unchanged()


def _confirm(codes: list[str], result: UnitResult, scope: CatalogueScope, now) -> None:
    """Stamp when Haier last confirmed each product, without moving updated_at (nothing changed)."""
    if not codes:
        return
    values = {"updated_at": Product.updated_at}
    if scope.with_catalogue:
        values["catalogue_synced_at"] = now
    priced = [code for code in codes if code in result.prices]
    stmt = update(Product).execution_options(synchronize_session=False)
    db.session.execute(stmt.where(Product.code.in_(codes)).values(**values))
    if priced:
        db.session.execute(
            stmt.where(Product.code.in_(priced)).values(prices_synced_at=now, updated_at=Product.updated_at)
        )


def _fail_all(codes: list[str], exc: HaierError, tracker: RunTracker) -> None:
    message = describe_haier_error(exc)
    for code in codes:
        tracker.item_failed(code, message, exc.outcome)
    if isinstance(exc, HaierAuthError | HaierConfigError):
        tracker.stop_with(message)


def _missing_one(code: str, product: Product | None, tracker: RunTracker, dry_run: bool, now) -> None:
    if product is None:
        tracker.item_failed(code, "海尔未返回该商品", "business_error")
    elif product.missing_from_haier_at is not None:
        tracker.item_unchanged()
    else:
        tracker.item_changed([FieldChange(code, "missing_from_haier_at", None, now)])
        if not dry_run:
            product.missing_from_haier_at = now


def _mark_missing(codes: list[str], tracker: RunTracker, dry_run: bool) -> None:
    """Products Haier's full listing no longer has: marked, never deleted."""
    now = utcnow()
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        if not dry_run:
            begin_write()
        for product in db.session.execute(select(Product).where(Product.code.in_(chunk))).scalars():
            _missing_one(product.code, product, tracker, dry_run, now)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
