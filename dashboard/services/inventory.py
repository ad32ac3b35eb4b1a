"""The stock ledger: the only writer of Product.stock, Product.reserved, reservations and the stock log.

Every operation is one transaction that holds the product's write lock from the first read to the commit:
PostgreSQL `SELECT … FOR UPDATE` on the product row; SQLite `BEGIN IMMEDIATE` (the write lock is taken before
the first read, so two writers can never read the same figure and both act on it). The log row is written in
the same transaction, so a change and its log row exist together or not at all. Never call Haier from here.

Each operation commits on success (and rolls back only its own work on a refusal). A transaction the caller
still has open is committed before the operation begins (see dashboard.database.begin_write): read freely beforehand,
but commit any writes of your own first.

Product.reserved is the sum of the open quantities of the product's reservations, maintained here in the same
transaction; available = stock − reserved.
"""

from __future__ import annotations

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import ChangeType, Product, ReservationStatus, Source, StockReservation
from dashboard.services.inventory_errors import (
    IdempotencyConflict,
    InsufficientStock,
    InvalidInput,
    InvalidQuantity,
    InventoryError,
    ProductNotFound,
    ReleaseExceedsReserved,
    ReservationClosed,
    ReservationNotFound,
    StockBelowReservations,
    StockChanged,
)
from dashboard.services.ledger import (
    MAX_STOCK_FIGURE,
    Entry,
    StockChange,
    append_log,
    apply_stock,
    as_id,
    check_int,
    check_quantity,
    find_replay,
    lock_product,
    make_entry,
    max_quantity,
    run,
    sync_differs,
)
from dashboard.timeutil import utcnow

__all__ = [
    "ADJUST_REASONS",
    "LOCK_REASONS",
    "RELEASE_REASONS",
    "IdempotencyConflict",
    "InsufficientStock",
    "InvalidInput",
    "InvalidQuantity",
    "InventoryError",
    "InventoryService",
    "ProductNotFound",
    "ReleaseExceedsReserved",
    "ReservationClosed",
    "ReservationNotFound",
    "StockBelowReservations",
    "StockChange",
    "StockChanged",
    "adjust_stock",
    "lock_stock",
    "open_reservations",
    "release_stock",
    "sync_stock",
]

LOCK_REASONS = ("订单占用", "客户预留", "展示样机", "其他")
RELEASE_REASONS = ("订单取消", "订单已出库", "预留到期", "锁定有误", "其他")
ADJUST_REASONS = ("盘点差异", "到货入库", "退货入库", "损坏报废", "销售出库", "其他")


# --- public operations ---------------------------------------------------------------------------------------


def lock_stock(
    product_id: int,
    quantity: int,
    reason: str,
    operator: str,
    *,
    reference: str | None = None,
    source: Source | str = Source.WEB,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> StockChange:
    """Reserve `quantity` of the product: a new open reservation, available goes down by `quantity`.

    Refused with InsufficientStock when available would go below zero.
    """
    check_quantity(quantity, "quantity")
    entry = make_entry(reason, operator, source, reference, request_id, idempotency_key)

    def body() -> StockChange:
        product = lock_product(product_id)
        first = find_replay(entry.idempotency_key, ChangeType.LOCK, product_id=product.id)
        if first:
            return first
        if quantity > product.available:
            raise InsufficientStock(quantity, product.available)
        stock, available = product.stock, product.available
        reservation = StockReservation(
            product_id=product.id,
            quantity=quantity,
            released_quantity=0,
            reason=entry.reason,
            reference=entry.reference,
            operator=entry.operator,
            status=ReservationStatus.OPEN.value,
        )
        db.session.add(reservation)
        product.reserved += quantity
        db.session.flush()
        return append_log(product, ChangeType.LOCK, -quantity, stock, available, entry, reservation.id)

    return run(ChangeType.LOCK, entry.idempotency_key, body, product_id=product_id)


def release_stock(
    reservation_id: int,
    reason: str,
    operator: str,
    *,
    quantity: int | None = None,
    source: Source | str = Source.WEB,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> StockChange:
    """Release all (quantity=None) or part of an open reservation; available goes up by that much.

    The reservation is closed once nothing of it is open. Never releases more than is open.
    """
    if quantity is not None:
        check_quantity(quantity, "quantity")
    entry = make_entry(reason, operator, source, None, request_id, idempotency_key)

    def body() -> StockChange:
        owner = db.session.execute(
            select(StockReservation.product_id).where(StockReservation.id == as_id(reservation_id))
        ).scalar_one_or_none()
        if owner is None:
            raise ReservationNotFound(reservation_id)
        product = lock_product(owner)
        first = find_replay(entry.idempotency_key, ChangeType.RELEASE, reservation_id=reservation_id)
        if first:
            return first
        reservation = db.session.execute(
            select(StockReservation)
            .where(StockReservation.id == reservation_id)
            .execution_options(populate_existing=True)
        ).scalar_one()
        if reservation.status != ReservationStatus.OPEN.value or reservation.open_quantity <= 0:
            raise ReservationClosed(reservation.id)
        amount = reservation.open_quantity if quantity is None else quantity
        if amount > reservation.open_quantity:
            raise ReleaseExceedsReserved(reservation.id, amount, reservation.open_quantity)
        stock, available = product.stock, product.available
        reservation.released_quantity += amount
        if reservation.open_quantity == 0:
            reservation.status = ReservationStatus.RELEASED.value
            reservation.released_at = utcnow()
        product.reserved -= amount
        db.session.flush()
        released = Entry(**{**entry.__dict__, "reference": reservation.reference})
        return append_log(product, ChangeType.RELEASE, amount, stock, available, released, reservation.id)

    return run(ChangeType.RELEASE, entry.idempotency_key, body, reservation_id=reservation_id)


def adjust_stock(
    product_id: int,
    reason: str,
    operator: str,
    *,
    delta: int | None = None,
    new_stock: int | None = None,
    expected_stock: int | None = None,
    source: Source | str = Source.WEB,
    reference: str | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> StockChange:
    """Change the stock by a signed `delta` or to `new_stock` (exactly one of them).

    `expected_stock` is the figure the user saw; if the stock is different now, StockChanged is raised and
    nothing is written. Stock never goes negative, and a decrease below the open reservations is refused
    (StockBelowReservations). An increase is always allowed, even if it still leaves an oversold product
    below its reservations: it makes things better.
    """
    if (delta is None) == (new_stock is None):
        raise InvalidQuantity(None, "请填写调整数量或新的库存数（二选一）", field="delta")
    if delta is not None:
        check_int(delta, "delta")
        if delta == 0:
            raise InvalidQuantity(delta, "调整数量不能为 0", field="delta")
        check_quantity(abs(delta), "delta")
    else:
        check_int(new_stock, "new_stock")
        if new_stock < 0 or new_stock > max_quantity():
            raise InvalidQuantity(
                new_stock, f"新的库存数必须在 0 到 {max_quantity()} 之间", field="new_stock"
            )
    if expected_stock is not None:
        check_int(expected_stock, "expected_stock")
    entry = make_entry(reason, operator, source, reference, request_id, idempotency_key)

    def body() -> StockChange:
        product = lock_product(product_id)
        first = find_replay(entry.idempotency_key, ChangeType.ADJUST, product_id=product.id)
        if first:
            return first
        if expected_stock is not None and product.stock != expected_stock:
            raise StockChanged(expected_stock, product.stock)
        target = product.stock + delta if delta is not None else new_stock
        if target < 0:
            raise InvalidQuantity(
                delta, f"库存不能为负数：当前库存 {product.stock}，调整 {delta:+d} 后为 {target}", "delta"
            )
        if target == product.stock:
            raise InvalidQuantity(
                new_stock, f"新的库存数与当前库存相同（{product.stock}），没有需要调整的", "new_stock"
            )
        if target < product.reserved and target < product.stock:
            raise StockBelowReservations(target, product.reserved)
        if target > MAX_STOCK_FIGURE:
            raise InvalidQuantity(delta, "调整后的库存超出上限", field="delta")
        return apply_stock(product, target, ChangeType.ADJUST, entry)

    return run(ChangeType.ADJUST, entry.idempotency_key, body, product_id=product_id)


def sync_stock(
    product_id: int,
    new_stock: int,
    *,
    operator: str = "system:sync",
    source: Source | str = Source.SCHEDULER,
    warehouse_code: str | None = None,
    warehouse_grade: str | None = None,
    county_code: str | None = None,
    request_id: str | None = None,
) -> StockChange | None:
    """Record Haier's stock figure (and warehouse) for a product: the only way the sync engine writes stock.

    Returns None and writes nothing — not even last_sync_at — when the figure and the given warehouse fields
    are unchanged; the sync engine records "checked at" for those itself (one bulk UPDATE per batch is far
    cheaper than a ledger transaction per unchanged product). Warehouse fields given as None mean "not
    reported" and are left as they are. Reservations are never touched: Haier's figure is the truth, so when
    it drops below the open reservations it is still recorded, available becomes negative, and the log
    reason says the product is oversold (the UI shows it too) — hiding it would be worse.
    """
    check_int(new_stock, "new_stock")
    if new_stock < 0 or new_stock > MAX_STOCK_FIGURE:
        raise InvalidQuantity(new_stock, f"海尔返回的库存数无效：{new_stock}", field="new_stock")
    warehouse = {
        "warehouse_code": warehouse_code,
        "warehouse_grade": warehouse_grade,
        "stock_county_code": county_code,
    }
    warehouse = {k: v for k, v in warehouse.items() if v is not None}
    entry = make_entry("海尔库存同步", operator, source, None, request_id, None)

    # Most syncs change nothing: find that out with a plain read, without taking the write lock.
    current = db.session.execute(
        select(Product).where(Product.id == as_id(product_id)).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if current is None:
        raise ProductNotFound(product_id)
    if not sync_differs(current, new_stock, warehouse):
        return None

    def body() -> StockChange | None:
        product = lock_product(product_id)
        if not sync_differs(product, new_stock, warehouse):
            return None  # another sync wrote the same figure meanwhile
        notes = [entry.reason]
        moved = {k: (getattr(product, k), v) for k, v in warehouse.items() if getattr(product, k) != v}
        if "warehouse_code" in moved:
            before, after = moved["warehouse_code"]
            notes.append(f"仓库 {before or '—'} → {after}")
        if new_stock < product.reserved:
            notes.append(f"超卖：库存 {new_stock} 低于已锁定 {product.reserved}")
        for field, value in warehouse.items():
            setattr(product, field, value)
        product.last_sync_at = utcnow()
        synced = Entry(**{**entry.__dict__, "reason": "；".join(notes)[:200]})
        return apply_stock(product, new_stock, ChangeType.SYNC, synced)

    return run(ChangeType.SYNC, None, body)


def open_reservations(product_id: int) -> list[StockReservation]:
    """The product's open reservations, oldest first."""
    return list(
        db.session.execute(
            select(StockReservation)
            .where(
                StockReservation.product_id == product_id,
                StockReservation.status == ReservationStatus.OPEN.value,
            )
            .order_by(StockReservation.created_at, StockReservation.id)
        ).scalars()
    )


class InventoryService:
    """The names the old system used; the module-level functions are the same operations."""

    lock_stock = staticmethod(lock_stock)
    release_stock = staticmethod(release_stock)
    adjust_stock = staticmethod(adjust_stock)
    sync_stock = staticmethod(sync_stock)
    open_reservations = staticmethod(open_reservations)
