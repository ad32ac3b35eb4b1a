"""Mechanics shared by the stock ledger operations: the write transaction, the product lock, the log row,
idempotent replays and input checks. The rules themselves live in dashboard.services.inventory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.logging_setup import current_request_id
from dashboard.metrics import LEDGER_OPERATIONS
from dashboard.models import ChangeType, InventoryLog, Product, Source
from dashboard.services.inventory_errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidQuantity,
    InventoryError,
    ProductNotFound,
)

log = logging.getLogger("dashboard.services.inventory")

# Haier's figure is the truth and is not capped like a typed quantity, but it must fit the INTEGER column.
MAX_STOCK_FIGURE = 2_147_483_647


@dataclass(frozen=True)
class StockChange:
    """What one ledger operation did, read from its log row."""

    log_id: int
    product_id: int
    change_type: ChangeType
    quantity: int  # signed: change of stock (adjust/sync) or of available (lock/release)
    stock_before: int
    stock_after: int
    available_before: int
    available_after: int
    reservation_id: int | None
    replayed: bool = False  # True when an idempotency key repeat returned the first result

    @classmethod
    def from_log(cls, row: InventoryLog, replayed: bool = False) -> StockChange:
        return cls(
            log_id=row.id,
            product_id=row.product_id,
            change_type=ChangeType(row.change_type),
            quantity=row.quantity,
            stock_before=row.stock_before,
            stock_after=row.stock_after,
            available_before=row.available_before,
            available_after=row.available_after,
            reservation_id=row.reservation_id,
            replayed=replayed,
        )


@dataclass(frozen=True)
class Entry:
    """The validated who/why/where of an operation, copied onto its log row."""

    reason: str
    operator: str
    source: Source
    reference: str | None
    request_id: str | None
    idempotency_key: str | None


# --- transaction and log --------------------------------------------------------------------------------------


def run(
    operation: ChangeType,
    key: str | None,
    body: Callable[[], StockChange | None],
    *,
    product_id: int | None = None,
    reservation_id: int | None = None,
) -> StockChange | None:
    """Run `body` in one write transaction; commit it, or roll back everything on any error.

    `product_id` / `reservation_id` name what `key` is for (as given to find_replay): a key that lost the
    race to a unique-key violation is a replay only when its first use was the same operation on the same
    product or reservation.
    """
    begin_write()
    try:
        change = body()
        db.session.commit()
    except InventoryError as refusal:
        db.session.rollback()
        LEDGER_OPERATIONS.labels(operation.value, "refused").inc()
        log.info("stock %s refused", operation.value, extra={"refusal": refusal.code})
        raise
    except IntegrityError:
        db.session.rollback()
        # Requests on one product are serialised by its lock, so the replay check inside `body` catches their
        # repeats; a key that gets here raced in from another product (or is not the cause at all).
        change = find_replay(key, operation, product_id=product_id, reservation_id=reservation_id)
        if change is None:
            raise
    except BaseException:
        db.session.rollback()
        raise
    if change is not None:
        LEDGER_OPERATIONS.labels(operation.value, "ok").inc()
        log.info(
            "stock %s",
            operation.value,
            extra={
                "product_id": change.product_id,
                "quantity": change.quantity,
                "stock_after": change.stock_after,
                "available_after": change.available_after,
                "replayed": change.replayed,
            },
        )
    return change


def lock_product(product_id: int) -> Product:
    product = db.session.execute(
        select(Product)
        .where(Product.id == as_id(product_id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if product is None:
        raise ProductNotFound(product_id)
    return product


def apply_stock(product: Product, target: int, change_type: ChangeType, entry: Entry) -> StockChange:
    stock, available = product.stock, product.available
    product.stock = target
    # Flushed before the log row is built: the UPDATE really reaches the database inside the transaction.
    db.session.flush()
    return append_log(product, change_type, target - stock, stock, available, entry, None)


def append_log(
    product: Product,
    change_type: ChangeType,
    quantity: int,
    stock_before: int,
    available_before: int,
    entry: Entry,
    reservation_id: int | None,
) -> StockChange:
    row = InventoryLog(
        product_id=product.id,
        change_type=change_type.value,
        quantity=quantity,
        stock_before=stock_before,
        stock_after=product.stock,
        available_before=available_before,
        available_after=product.available,
        reason=entry.reason,
        reference=entry.reference,
        operator=entry.operator,
        source=entry.source.value,
        request_id=entry.request_id,
        reservation_id=reservation_id,
        idempotency_key=entry.idempotency_key,
    )
    db.session.add(row)
    db.session.flush()
    return StockChange.from_log(row)


def find_key(key: str) -> InventoryLog | None:
    return db.session.execute(
        select(InventoryLog).where(InventoryLog.idempotency_key == key)
    ).scalar_one_or_none()


def find_replay(
    key: str | None,
    change_type: ChangeType,
    *,
    product_id: int | None = None,
    reservation_id: int | None = None,
) -> StockChange | None:
    """The first result of a repeated key (looked up under the product's lock), or None."""
    if key is None:
        return None
    first = find_key(key)
    if first is None:
        return None
    same = first.change_type == change_type.value and (
        first.product_id == product_id if reservation_id is None else first.reservation_id == reservation_id
    )
    if not same:
        raise IdempotencyConflict(key)
    return StockChange.from_log(first, replayed=True)


def sync_differs(product: Product, new_stock: int, warehouse: dict[str, str]) -> bool:
    return product.stock != new_stock or any(getattr(product, k) != v for k, v in warehouse.items())


# --- validation -----------------------------------------------------------------------------------------------


def max_quantity() -> int:
    return int(current_app.config["STOCK_MAX_QUANTITY"])


def check_int(value: object, field: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidQuantity(value, "数量必须是整数", field=field)


def check_quantity(value: object, field: str) -> None:
    check_int(value, field)
    limit = max_quantity()
    if not 1 <= value <= limit:  # type: ignore[operator]
        raise InvalidQuantity(value, f"数量必须在 1 到 {limit} 之间", field=field)


def as_id(value: object) -> int:
    # An id that is not an int cannot name a row; letting it reach SQL would compare text with integers.
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def clean_text(value: str | None, field: str, limit: int, label: str, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(field, f"请填写{label}")
    if len(text) > limit:
        raise InvalidInput(field, f"{label}不能超过 {limit} 个字符")
    return text or None


def make_entry(
    reason: str,
    operator: str,
    source: Source | str,
    reference: str | None,
    request_id: str | None,
    idempotency_key: str | None,
) -> Entry:
    try:
        source = Source(source)
    except ValueError:
        raise InvalidInput("source", f"未知的来源：{source}") from None
    return Entry(
        reason=clean_text(reason, "reason", 200, "原因", required=True),
        operator=clean_text(operator, "operator", 64, "操作人", required=True),
        source=source,
        reference=clean_text(reference, "reference", 100, "参考号", required=False),
        request_id=clean_text(request_id or current_request_id(), "request_id", 64, "请求编号", False),
        idempotency_key=clean_text(idempotency_key, "idempotency_key", 80, "请求编号", required=False),
    )
