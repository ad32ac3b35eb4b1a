"""Stock reservations and the append-only stock log.

Only dashboard.services.inventory writes these tables (and Product.stock / Product.reserved).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from dashboard.extensions import db
from dashboard.models.product import Product
from dashboard.models.types import UTCDateTime
from dashboard.timeutil import utcnow


class ChangeType(enum.StrEnum):
    LOCK = "lock"
    RELEASE = "release"
    ADJUST = "adjust"
    SYNC = "sync"

    @property
    def label(self) -> str:
        return {"lock": "锁定", "release": "释放", "adjust": "调整", "sync": "同步"}[self.value]


class Source(enum.StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"
    SCHEDULER = "scheduler"

    @property
    def label(self) -> str:
        return {"web": "网页", "api": "接口", "cli": "命令行", "scheduler": "定时任务"}[self.value]


class ReservationStatus(enum.StrEnum):
    OPEN = "open"
    RELEASED = "released"


class StockReservation(db.Model):
    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_product_status", "product_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    released_quantity: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    operator: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ReservationStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[Product] = relationship()

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.released_quantity


class InventoryLog(db.Model):
    """One row per stock change. Rows are never updated or deleted."""

    __tablename__ = "inventory_logs"
    __table_args__ = (
        Index("ix_inventory_logs_product_created", "product_id", "created_at"),
        Index("ix_inventory_logs_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    change_type: Mapped[str] = mapped_column(String(16), index=True)
    quantity: Mapped[int]  # signed change of stock (adjust/sync) or of available (lock/release)
    stock_before: Mapped[int]
    stock_after: Mapped[int]
    available_before: Mapped[int]
    available_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(100))
    operator: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("stock_reservations.id"))
    # A repeated form or API call with the same key returns this row instead of applying twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(InventoryLog, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyViolation("inventory_logs rows are append-only")


@event.listens_for(InventoryLog, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyViolation("inventory_logs rows are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_update_or_delete(state: ORMExecuteState) -> None:
    # update(InventoryLog) / delete(InventoryLog) bypass the mapper events above; the database triggers
    # (migration 0002_stock) catch raw SQL as well.
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == InventoryLog.__tablename__:
        raise AppendOnlyViolation("inventory_logs rows are append-only")
