"""CSV exports of the stock log and the reservations, produced as a stream of text chunks.

Excel is the reader: UTF-8 with a BOM (otherwise it guesses GBK and garbles Chinese), a header row, ISO 8601
times with the +08:00 offset, and text cells neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from dashboard.models import ChangeType, ReservationStatus, Source
from dashboard.timeutil import SHANGHAI

BOM = "\ufeff"
ROWS_PER_CHUNK = 1000
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

LOG_HEADER = (
    "日志ID",
    "时间",
    "商品编码",
    "商品名称",
    "类型",
    "数量",
    "变动前库存",
    "变动后库存",
    "变动前可用",
    "变动后可用",
    "原因",
    "参考号",
    "操作人",
    "来源",
    "请求ID",
    "锁定记录ID",
)
RESERVATION_HEADER = (
    "锁定记录ID",
    "商品编码",
    "商品名称",
    "锁定数量",
    "已释放",
    "未释放",
    "状态",
    "原因",
    "参考号",
    "操作人",
    "锁定时间",
    "释放时间",
)
CHANGE_LABELS = {t.value: t.label for t in ChangeType}
SOURCE_LABELS = {s.value: s.label for s in Source}
STATUS_LABELS = {ReservationStatus.OPEN.value: "锁定中", ReservationStatus.RELEASED.value: "已释放"}


def neutralise(value: str | None) -> str:
    """Text as a spreadsheet shows it, never as a formula: a leading trigger gets a single quote in front.

    Only text goes through here. Numbers are written from Python ints and cannot carry a formula; quoting
    "-3" would turn a signed quantity into text that a spreadsheet can no longer sum.
    """
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def local_iso(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value else ""


def stream_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """BOM and header first (so the download starts at once), then the rows in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def log_cells(rows: Iterable) -> Iterator[tuple]:
    """Rows of stock_log.LOG_EXPORT_COLUMNS as CSV cells in LOG_HEADER order."""
    for (
        log_id,
        created_at,
        code,
        name,
        change_type,
        quantity,
        stock_before,
        stock_after,
        available_before,
        available_after,
        reason,
        reference,
        operator,
        source,
        request_id,
        reservation_id,
    ) in rows:
        yield (
            log_id,
            local_iso(created_at),
            neutralise(code),
            neutralise(name),
            CHANGE_LABELS.get(change_type) or neutralise(change_type),
            quantity,
            stock_before,
            stock_after,
            available_before,
            available_after,
            neutralise(reason),
            neutralise(reference),
            neutralise(operator),
            SOURCE_LABELS.get(source) or neutralise(source),
            neutralise(request_id),
            "" if reservation_id is None else reservation_id,
        )


def reservation_cells(rows: Iterable) -> Iterator[tuple]:
    """Rows of stock_log.RESERVATION_EXPORT_COLUMNS as CSV cells in RESERVATION_HEADER order."""
    for rid, code, name, quantity, released, status, reason, reference, operator, created, closed in rows:
        yield (
            rid,
            neutralise(code),
            neutralise(name),
            quantity,
            released,
            quantity - released,
            STATUS_LABELS.get(status) or neutralise(status),
            neutralise(reason),
            neutralise(reference),
            neutralise(operator),
            local_iso(created),
            local_iso(closed),
        )
