"""Reading the stock log and the reservations: filtered pages for the screens, row streams for the CSVs."""

from __future__ import annotations

from collections.abc import Iterator
from math import ceil

from sqlalchemy import ColumnElement, Select, func, select

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product, StockReservation
from dashboard.services.catalogue import Page
from dashboard.services.ledger_filters import LedgerFilter, LogFilter, ReservationFilter

# Rows fetched per round trip while streaming an export: large enough to be fast, small enough to stay flat.
EXPORT_BATCH = 2000


def local_iso(column) -> ColumnElement:
    """The UTC timestamp as ISO 8601 Shanghai time with its offset, formatted by the database.

    Formatting in SQL keeps a million-row export fast (no datetime objects per row). The offset can be a
    constant: Asia/Shanghai has had no daylight saving time since 1991.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Asia/Shanghai", column)
        return func.to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS').concat("+08:00")
    return func.strftime("%Y-%m-%dT%H:%M:%S", column, "+8 hours").concat("+08:00")


def log_export_columns() -> tuple:
    return (
        InventoryLog.id,
        local_iso(InventoryLog.created_at),
        Product.code,
        Product.name,
        InventoryLog.change_type,
        InventoryLog.quantity,
        InventoryLog.stock_before,
        InventoryLog.stock_after,
        InventoryLog.available_before,
        InventoryLog.available_after,
        InventoryLog.reason,
        InventoryLog.reference,
        InventoryLog.operator,
        InventoryLog.source,
        InventoryLog.request_id,
        InventoryLog.reservation_id,
    )


def reservation_export_columns() -> tuple:
    return (
        StockReservation.id,
        Product.code,
        Product.name,
        StockReservation.quantity,
        StockReservation.released_quantity,
        StockReservation.status,
        StockReservation.reason,
        StockReservation.reference,
        StockReservation.operator,
        local_iso(StockReservation.created_at),
        local_iso(StockReservation.released_at),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _common_where(stmt: Select, f: LedgerFilter, model) -> Select:
    if f.q:
        stmt = stmt.where(Product.search_text.like(f"%{_escape_like(f.q.lower())}%", escape="\\"))
    if f.product_id is not None:
        stmt = stmt.where(model.product_id == f.product_id)
    if f.operator:
        stmt = stmt.where(
            func.lower(model.operator).like(f"%{_escape_like(f.operator.lower())}%", escape="\\")
        )
    start, end = f.utc_range
    if start is not None:
        stmt = stmt.where(model.created_at >= start)
    if end is not None:
        stmt = stmt.where(model.created_at < end)
    return stmt


def _log_where(stmt: Select, f: LogFilter) -> Select:
    stmt = _common_where(stmt.join(Product, InventoryLog.product_id == Product.id), f, InventoryLog)
    if f.change_type:
        stmt = stmt.where(InventoryLog.change_type == f.change_type)
    if f.source:
        stmt = stmt.where(InventoryLog.source == f.source)
    return stmt


def _reservation_where(stmt: Select, f: ReservationFilter) -> Select:
    stmt = _common_where(stmt.join(Product, StockReservation.product_id == Product.id), f, StockReservation)
    if f.status:
        stmt = stmt.where(StockReservation.status == f.status)
    return stmt


def _page(stmt: Select, count: Select, f: LedgerFilter, per_page: int) -> Page:
    total = db.session.execute(count).scalar_one()
    f.page = min(f.page, max(1, ceil(total / per_page)))
    items = list(db.session.execute(stmt.limit(per_page).offset((f.page - 1) * per_page)).all())
    return Page(items=items, page=f.page, per_page=per_page, total=total)


def search_logs(f: LogFilter, per_page: int) -> Page:
    """Newest first; each item is a row of (InventoryLog, product code, product name)."""
    stmt = _log_where(select(InventoryLog, Product.code, Product.name), f).order_by(
        InventoryLog.created_at.desc(), InventoryLog.id.desc()
    )
    return _page(stmt, _log_where(select(func.count(InventoryLog.id)), f), f, per_page)


def search_reservations(f: ReservationFilter, per_page: int) -> Page:
    """Newest first; each item is a row of (StockReservation, product code, product name)."""
    stmt = _reservation_where(select(StockReservation, Product.code, Product.name), f).order_by(
        StockReservation.created_at.desc(), StockReservation.id.desc()
    )
    return _page(stmt, _reservation_where(select(func.count(StockReservation.id)), f), f, per_page)


def recent_logs(product_id: int, limit: int = 10) -> list[InventoryLog]:
    return list(
        db.session.execute(
            select(InventoryLog)
            .where(InventoryLog.product_id == product_id)
            .order_by(InventoryLog.created_at.desc(), InventoryLog.id.desc())
            .limit(limit)
        ).scalars()
    )


def _stream(stmt: Select) -> Iterator[list]:
    """Batches of rows through a streaming cursor (server-side on PostgreSQL): flat memory at any size.

    Every column is already text or int (times are formatted in SQL), so no per-value processing happens here.
    """
    result = db.session.connection().execution_options(yield_per=EXPORT_BATCH).execute(stmt)
    try:
        yield from result.partitions()
    finally:
        result.close()


def iter_log_batches(f: LogFilter) -> Iterator[list[tuple]]:
    """Every log row the filter selects (log_export_columns()), newest first, in batches."""
    stmt = _log_where(select(*log_export_columns()), f).order_by(
        InventoryLog.created_at.desc(), InventoryLog.id.desc()
    )
    return _stream(stmt)


def iter_reservation_batches(f: ReservationFilter) -> Iterator[list[tuple]]:
    """Every reservation the filter selects (reservation_export_columns()), newest first, in batches."""
    stmt = _reservation_where(select(*reservation_export_columns()), f).order_by(
        StockReservation.created_at.desc(), StockReservation.id.desc()
    )
    return _stream(stmt)
