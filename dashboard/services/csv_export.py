"""CSV exports of the stock log and the reservations, produced as a stream of text chunks.

Excel is the reader: UTF-8 with a BOM (otherwise it guesses GBK and garbles Chinese), a header row, ISO 8601
times with the +08:00 offset, and text cells neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from dashboard.models import ChangeType, ReservationStatus, Source

BOM = "\ufeff"
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
    return "'" + value if value[0] in _TRIGGER_CHARS else value


_TRIGGER_CHARS = "".join(FORMULA_TRIGGERS)


def stream_csv(header: Iterable[str], batches: Iterable[list[tuple]]) -> Iterator[str]:
    """BOM and header first (so the download starts at once), then one chunk of text per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    yield buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def log_cells(batches: Iterable[list[tuple]]) -> Iterator[list[tuple]]:
    """Batches of stock_log.log_export_columns() rows as CSV cells in LOG_HEADER order."""
    n, change, source = neutralise, CHANGE_LABELS, SOURCE_LABELS
    for batch in batches:
        yield [
            (
                log_id,
                created,
                n(code),
                n(name),
                change.get(change_type) or n(change_type),
                quantity,
                stock_before,
                stock_after,
                available_before,
                available_after,
                n(reason),
                n(reference),
                n(operator),
                source.get(src) or n(src),
                n(request_id),
                "" if reservation_id is None else reservation_id,
            )
            for (
                log_id,
                created,
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
                src,
                request_id,
                reservation_id,
            ) in batch
        ]


def reservation_cells(batches: Iterable[list[tuple]]) -> Iterator[list[tuple]]:
    """Batches of stock_log.reservation_export_columns() rows as CSV cells in RESERVATION_HEADER order."""
    n = neutralise
    for batch in batches:
        yield [
            (
                rid,
                n(code),
                n(name),
                quantity,
                released,
                quantity - released,
                STATUS_LABELS.get(status) or n(status),
                n(reason),
                n(reference),
                n(operator),
                created or "",
                closed or "",
            )
            for rid, code, name, quantity, released, status, reason, reference, operator, created, closed in batch
        ]
