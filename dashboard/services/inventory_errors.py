"""Typed refusals of the stock ledger: each carries the facts and a Chinese `.message` for the UI."""

from __future__ import annotations


class InventoryError(Exception):
    """Base of every refusal. Nothing was written when one of these is raised."""

    code = "inventory_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(InventoryError):
    """A field the ledger cannot accept (empty operator, over-long reason, bad idempotency key)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidQuantity(InvalidInput):
    code = "invalid_quantity"

    def __init__(self, quantity: object, message: str, field: str = "quantity") -> None:
        super().__init__(field, message)
        self.quantity = quantity


class ProductNotFound(InventoryError):
    code = "product_not_found"

    def __init__(self, product_id: object) -> None:
        super().__init__(f"商品不存在（ID {product_id}）")
        self.product_id = product_id


class InsufficientStock(InventoryError):
    code = "insufficient_stock"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"可用库存不足：需要锁定 {requested}，当前可用 {available}")
        self.requested = requested
        self.available = available


class ReservationNotFound(InventoryError):
    code = "reservation_not_found"

    def __init__(self, reservation_id: object) -> None:
        super().__init__(f"锁定记录不存在（ID {reservation_id}）")
        self.reservation_id = reservation_id


class ReservationClosed(InventoryError):
    code = "reservation_closed"

    def __init__(self, reservation_id: int) -> None:
        super().__init__(f"锁定记录 #{reservation_id} 已全部释放，不能再释放")
        self.reservation_id = reservation_id


class ReleaseExceedsReserved(InventoryError):
    code = "release_exceeds_reserved"

    def __init__(self, reservation_id: int, requested: int, open_quantity: int) -> None:
        super().__init__(f"释放数量 {requested} 超过锁定记录 #{reservation_id} 未释放的数量 {open_quantity}")
        self.reservation_id = reservation_id
        self.requested = requested
        self.open_quantity = open_quantity


class StockBelowReservations(InventoryError):
    code = "stock_below_reservations"

    def __init__(self, new_stock: int, reserved: int) -> None:
        super().__init__(f"调整后库存 {new_stock} 低于已锁定的 {reserved}：请先释放锁定记录，再减少库存")
        self.new_stock = new_stock
        self.reserved = reserved


class StockChanged(InventoryError):
    """The stock differs from the figure the user saw: show it, never overwrite silently."""

    code = "stock_changed"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"库存已被他人修改：{expected} → {actual}，请确认后重新提交")
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(InventoryError):
    """The key was already used for a different operation: a client bug, never a silent replay."""

    code = "idempotency_conflict"

    def __init__(self, key: str) -> None:
        super().__init__("该请求编号已用于另一项库存操作，请刷新页面后重试")
        self.key = key
