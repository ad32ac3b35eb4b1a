"""The stock ledger's rules and refusals, one behaviour per test."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.metrics import LEDGER_OPERATIONS
from dashboard.models import ChangeType, InventoryLog, Product, ReservationStatus, Source, StockReservation
from dashboard.services import inventory
from dashboard.services.inventory import (
    IdempotencyConflict,
    InsufficientStock,
    InvalidInput,
    InvalidQuantity,
    InventoryService,
    ProductNotFound,
    ReleaseExceedsReserved,
    ReservationClosed,
    ReservationNotFound,
    StockBelowReservations,
    StockChanged,
)
from tests.factories import make_product

OP = "operator-user"


def product_with_stock(code: str = "P1", stock: int = 10) -> Product:
    product = make_product(code)
    if stock:
        inventory.adjust_stock(product.id, "盘点差异", OP, new_stock=stock)
    return product


def figures(product_id: int) -> tuple[int, int]:
    row = db.session.execute(select(Product.stock, Product.reserved).where(Product.id == product_id)).one()
    return row.stock, row.reserved


def log_count() -> int:
    return db.session.execute(select(func.count(InventoryLog.id))).scalar_one()


def metric(operation: str, outcome: str) -> float:
    return LEDGER_OPERATIONS.labels(operation, outcome)._value.get()


# --- lock --------------------------------------------------------------------------------------------------------


def test_lock_creates_an_open_reservation_and_lowers_available(app):
    product = product_with_stock(stock=10)

    change = inventory.lock_stock(product.id, 3, "订单占用", OP, reference="SO-1")

    assert (change.change_type, change.quantity) == (ChangeType.LOCK, -3)
    assert (change.stock_before, change.stock_after) == (10, 10)
    assert (change.available_before, change.available_after) == (10, 7)
    assert figures(product.id) == (10, 3)
    reservation = db.session.get(StockReservation, change.reservation_id)
    assert (reservation.quantity, reservation.status, reservation.reference) == (3, "open", "SO-1")
    assert reservation.operator == OP


def test_lock_writes_one_log_row_with_the_facts(app):
    product = product_with_stock(stock=5)

    change = inventory.lock_stock(product.id, 2, "订单占用", OP, reference="SO-9", source=Source.API)

    row = db.session.get(InventoryLog, change.log_id)
    assert (row.change_type, row.quantity, row.reason, row.reference) == ("lock", -2, "订单占用", "SO-9")
    assert (row.operator, row.source, row.reservation_id) == (OP, "api", change.reservation_id)
    assert row.created_at.tzinfo is not None


def test_lock_of_everything_available_is_allowed(app):
    product = product_with_stock(stock=4)

    change = inventory.lock_stock(product.id, 4, "订单占用", OP)

    assert change.available_after == 0


def test_lock_refused_when_available_would_go_negative(app):
    product = product_with_stock(stock=4)
    inventory.lock_stock(product.id, 3, "订单占用", OP)
    before = log_count()

    with pytest.raises(InsufficientStock) as refused:
        inventory.lock_stock(product.id, 2, "订单占用", OP)

    assert (refused.value.requested, refused.value.available) == (2, 1)
    assert refused.value.message == "可用库存不足：需要锁定 2，当前可用 1"
    assert figures(product.id) == (4, 3)
    assert log_count() == before


@pytest.mark.parametrize("quantity", [0, -1, 100_001, 2.5, "3", True, None])
def test_lock_refuses_quantities_that_are_not_positive_bounded_integers(app, quantity):
    product = product_with_stock(stock=10)

    with pytest.raises(InvalidQuantity) as refused:
        inventory.lock_stock(product.id, quantity, "订单占用", OP)

    assert refused.value.message in ("数量必须是整数", "数量必须在 1 到 100000 之间")
    assert figures(product.id) == (10, 0)


def test_quantity_bound_comes_from_the_config(make_app):
    app = make_app(STOCK_MAX_QUANTITY=5)
    with app.app_context():
        product = product_with_stock(stock=5)
        with pytest.raises(InvalidQuantity, match="1 到 5"):
            inventory.lock_stock(product.id, 6, "订单占用", OP)


def test_lock_of_unknown_product_is_refused(app):
    with pytest.raises(ProductNotFound) as refused:
        inventory.lock_stock(999_999, 1, "订单占用", OP)

    assert refused.value.message == "商品不存在（ID 999999）"


@pytest.mark.parametrize(
    ("reason", "operator", "message"),
    [
        ("", OP, "请填写原因"),
        ("   ", OP, "请填写原因"),
        ("订单占用", "", "请填写操作人"),
        ("x" * 201, OP, "原因不能超过 200 个字符"),
    ],
)
def test_lock_requires_a_reason_and_an_operator(app, reason, operator, message):
    product = product_with_stock(stock=3)

    with pytest.raises(InvalidInput) as refused:
        inventory.lock_stock(product.id, 1, reason, operator)

    assert refused.value.message == message


def test_unknown_source_is_refused(app):
    product = product_with_stock(stock=3)

    with pytest.raises(InvalidInput, match="未知的来源"):
        inventory.lock_stock(product.id, 1, "订单占用", OP, source="fax")


# --- release -------------------------------------------------------------------------------------------------


def test_release_without_quantity_closes_the_whole_reservation(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 4, "订单占用", OP, reference="SO-2")

    change = inventory.release_stock(locked.reservation_id, "订单取消", OP)

    assert (change.change_type, change.quantity, change.available_after) == (ChangeType.RELEASE, 4, 10)
    reservation = db.session.get(StockReservation, locked.reservation_id)
    assert (reservation.status, reservation.released_quantity) == ("released", 4)
    assert reservation.released_at is not None
    assert figures(product.id) == (10, 0)
    assert db.session.get(InventoryLog, change.log_id).reference == "SO-2"


def test_partial_release_keeps_the_rest_open(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 5, "订单占用", OP)

    inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=2)

    reservation = db.session.get(StockReservation, locked.reservation_id)
    assert (reservation.status, reservation.open_quantity) == ("open", 3)
    assert figures(product.id) == (10, 3)


def test_partial_releases_that_add_up_close_the_reservation(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 5, "订单占用", OP)

    inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=2)
    inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=3)

    assert db.session.get(StockReservation, locked.reservation_id).status == "released"
    assert figures(product.id) == (10, 0)


def test_release_of_more_than_is_open_is_refused(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 3, "订单占用", OP)

    with pytest.raises(ReleaseExceedsReserved) as refused:
        inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=4)

    assert (refused.value.requested, refused.value.open_quantity) == (4, 3)
    assert refused.value.message == f"释放数量 4 超过锁定记录 #{locked.reservation_id} 未释放的数量 3"
    assert figures(product.id) == (10, 3)


def test_release_of_a_closed_reservation_is_refused(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 3, "订单占用", OP)
    inventory.release_stock(locked.reservation_id, "订单取消", OP)

    with pytest.raises(ReservationClosed) as refused:
        inventory.release_stock(locked.reservation_id, "订单取消", OP)

    assert refused.value.message == f"锁定记录 #{locked.reservation_id} 已全部释放，不能再释放"


def test_release_of_an_unknown_reservation_is_refused(app):
    with pytest.raises(ReservationNotFound) as refused:
        inventory.release_stock(424242, "订单取消", OP)

    assert refused.value.message == "锁定记录不存在（ID 424242）"


def test_open_reservations_lists_only_open_ones_oldest_first(app):
    product = product_with_stock(stock=10)
    first = inventory.lock_stock(product.id, 1, "订单占用", OP)
    closed = inventory.lock_stock(product.id, 2, "订单占用", OP)
    third = inventory.lock_stock(product.id, 3, "订单占用", OP)
    inventory.release_stock(closed.reservation_id, "订单取消", OP)

    open_ids = [r.id for r in inventory.open_reservations(product.id)]

    assert open_ids == [first.reservation_id, third.reservation_id]


# --- adjust --------------------------------------------------------------------------------------------------


def test_adjust_by_delta(app):
    product = product_with_stock(stock=10)

    change = inventory.adjust_stock(product.id, "到货入库", OP, delta=5, reference="PO-7")

    assert (change.change_type, change.quantity, change.stock_before, change.stock_after) == (
        ChangeType.ADJUST,
        5,
        10,
        15,
    )
    assert figures(product.id) == (15, 0)


def test_adjust_to_an_absolute_figure_logs_the_signed_difference(app):
    product = product_with_stock(stock=10)

    change = inventory.adjust_stock(product.id, "盘点差异", OP, new_stock=7)

    assert (change.quantity, change.stock_after, change.available_after) == (-3, 7, 7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "请填写调整数量或新的库存数（二选一）"),
        ({"delta": 1, "new_stock": 1}, "请填写调整数量或新的库存数（二选一）"),
        ({"delta": 0}, "调整数量不能为 0"),
        ({"delta": 100_001}, "数量必须在 1 到 100000 之间"),
        ({"delta": -100_001}, "数量必须在 1 到 100000 之间"),
        ({"new_stock": -1}, "新的库存数必须在 0 到 100000 之间"),
        ({"new_stock": 10}, "新的库存数与当前库存相同（10），没有需要调整的"),
        ({"delta": -11}, "库存不能为负数：当前库存 10，调整 -11 后为 -1"),
    ],
)
def test_adjust_refusals(app, kwargs, message):
    product = product_with_stock(stock=10)

    with pytest.raises(InvalidQuantity) as refused:
        inventory.adjust_stock(product.id, "盘点差异", OP, **kwargs)

    assert refused.value.message == message
    assert figures(product.id) == (10, 0)


def test_adjust_below_open_reservations_is_refused_with_the_reason(app):
    product = product_with_stock(stock=10)
    inventory.lock_stock(product.id, 6, "订单占用", OP)

    with pytest.raises(StockBelowReservations) as refused:
        inventory.adjust_stock(product.id, "损坏报废", OP, delta=-5)

    assert (refused.value.new_stock, refused.value.reserved) == (5, 6)
    assert refused.value.message == "调整后库存 5 低于已锁定的 6：请先释放锁定记录，再减少库存"
    assert figures(product.id) == (10, 6)


def test_adjust_down_to_exactly_the_reservations_is_allowed(app):
    product = product_with_stock(stock=10)
    inventory.lock_stock(product.id, 6, "订单占用", OP)

    change = inventory.adjust_stock(product.id, "损坏报废", OP, new_stock=6)

    assert (change.stock_after, change.available_after) == (6, 0)


def test_adjust_refused_when_stock_changed_since_the_user_saw_it(app):
    product = product_with_stock(stock=10)
    inventory.adjust_stock(product.id, "到货入库", "someone-else", delta=2)

    with pytest.raises(StockChanged) as refused:
        inventory.adjust_stock(product.id, "盘点差异", OP, new_stock=8, expected_stock=10)

    assert (refused.value.expected, refused.value.actual) == (10, 12)
    assert refused.value.message == "库存已被他人修改：10 → 12，请确认后重新提交"
    assert figures(product.id) == (12, 0)


def test_adjust_with_the_expected_figure_applies(app):
    product = product_with_stock(stock=10)

    change = inventory.adjust_stock(product.id, "盘点差异", OP, new_stock=8, expected_stock=10)

    assert change.stock_after == 8


def test_increase_is_allowed_while_oversold(app):
    product = product_with_stock(stock=10)
    inventory.lock_stock(product.id, 8, "订单占用", OP)
    inventory.sync_stock(product.id, 3)

    change = inventory.adjust_stock(product.id, "到货入库", OP, delta=2)

    assert (change.stock_after, change.available_after) == (5, -3)


# --- sync ------------------------------------------------------------------------------------------------------


def test_sync_records_the_figure_warehouse_and_time(app):
    product = product_with_stock(stock=10)

    change = inventory.sync_stock(
        product.id, 14, warehouse_code="WA01", warehouse_grade="0", county_code="370212"
    )

    assert (change.change_type, change.quantity, change.stock_before, change.stock_after) == (
        ChangeType.SYNC,
        4,
        10,
        14,
    )
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert (product.warehouse_code, product.warehouse_grade, product.stock_county_code) == (
        "WA01",
        "0",
        "370212",
    )
    assert product.last_sync_at is not None
    row = db.session.get(InventoryLog, change.log_id)
    assert (row.operator, row.source) == ("system:sync", "scheduler")
    assert "仓库 — → WA01" in row.reason


def test_sync_with_nothing_changed_writes_nothing(app):
    product = product_with_stock(stock=10)
    inventory.sync_stock(product.id, 10, warehouse_code="WA01")
    synced_at = db.session.get(Product, product.id).last_sync_at
    before = log_count()

    assert inventory.sync_stock(product.id, 10, warehouse_code="WA01") is None

    assert log_count() == before
    db.session.expire_all()
    assert db.session.get(Product, product.id).last_sync_at == synced_at


def test_sync_of_a_new_warehouse_alone_is_logged(app):
    product = product_with_stock(stock=10)
    inventory.sync_stock(product.id, 10, warehouse_code="WA01")

    change = inventory.sync_stock(product.id, 10, warehouse_code="WB02")

    assert change.quantity == 0
    assert "仓库 WA01 → WB02" in db.session.get(InventoryLog, change.log_id).reason


def test_sync_never_touches_reservations_and_flags_oversold(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 6, "订单占用", OP)

    change = inventory.sync_stock(product.id, 4)

    assert (change.stock_after, change.available_after) == (4, -2)
    assert figures(product.id) == (4, 6)
    assert db.session.get(StockReservation, locked.reservation_id).status == ReservationStatus.OPEN
    assert "超卖：库存 4 低于已锁定 6" in db.session.get(InventoryLog, change.log_id).reason


def test_sync_refuses_a_negative_figure(app):
    product = product_with_stock(stock=10)

    with pytest.raises(InvalidQuantity) as refused:
        inventory.sync_stock(product.id, -1)

    assert refused.value.message == "海尔返回的库存数无效：-1"


def test_sync_of_unknown_product_is_refused(app):
    with pytest.raises(ProductNotFound):
        inventory.sync_stock(31337, 5)


# --- idempotency -------------------------------------------------------------------------------------------------


def test_repeated_lock_key_applies_once_and_returns_the_first_result(app):
    product = product_with_stock(stock=10)

    first = inventory.lock_stock(product.id, 3, "订单占用", OP, idempotency_key="k-lock-1")
    again = inventory.lock_stock(product.id, 3, "订单占用", OP, idempotency_key="k-lock-1")

    assert not first.replayed and again.replayed
    assert again.log_id == first.log_id and again.reservation_id == first.reservation_id
    assert figures(product.id) == (10, 3)


def test_repeated_adjust_key_replays_even_though_the_expected_figure_is_now_stale(app):
    product = product_with_stock(stock=10)

    first = inventory.adjust_stock(
        product.id, "盘点差异", OP, new_stock=8, expected_stock=10, idempotency_key="k-a"
    )
    again = inventory.adjust_stock(
        product.id, "盘点差异", OP, new_stock=8, expected_stock=10, idempotency_key="k-a"
    )

    assert again.replayed and again.log_id == first.log_id
    assert figures(product.id) == (8, 0)


def test_repeated_release_key_releases_once(app):
    product = product_with_stock(stock=10)
    locked = inventory.lock_stock(product.id, 4, "订单占用", OP)

    inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=1, idempotency_key="k-r")
    again = inventory.release_stock(locked.reservation_id, "订单取消", OP, quantity=1, idempotency_key="k-r")

    assert again.replayed
    assert figures(product.id) == (10, 3)


def test_a_key_reused_for_another_operation_is_refused(app):
    product = product_with_stock(stock=10)
    inventory.lock_stock(product.id, 1, "订单占用", OP, idempotency_key="k-x")

    with pytest.raises(IdempotencyConflict):
        inventory.adjust_stock(product.id, "盘点差异", OP, delta=1, idempotency_key="k-x")

    assert figures(product.id) == (10, 1)


def test_a_key_that_races_in_from_another_product_is_refused_not_replayed(app, monkeypatch):
    fridge, washer = product_with_stock("P1", stock=10), product_with_stock("P2", stock=10)
    inventory.lock_stock(fridge.id, 1, "订单占用", OP, idempotency_key="k-race")
    # As if the fridge's use of the key committed after the washer's replay check: the unique key stops it.
    monkeypatch.setattr(inventory, "find_replay", lambda *args, **kwargs: None)

    with pytest.raises(IdempotencyConflict):
        inventory.lock_stock(washer.id, 1, "订单占用", OP, idempotency_key="k-race")

    assert figures(fridge.id) == (10, 1) and figures(washer.id) == (10, 0)


def test_a_refused_operation_does_not_consume_its_key(app):
    product = product_with_stock(stock=2)
    with pytest.raises(InsufficientStock):
        inventory.lock_stock(product.id, 3, "订单占用", OP, idempotency_key="k-retry")
    inventory.adjust_stock(product.id, "到货入库", OP, delta=5)

    change = inventory.lock_stock(product.id, 3, "订单占用", OP, idempotency_key="k-retry")

    assert not change.replayed and change.available_after == 4


# --- transactions, metrics, interface -------------------------------------------------------------------------


def test_failure_after_the_stock_update_leaves_neither_change_nor_log_row(app, monkeypatch):
    from dashboard.services import ledger

    product = product_with_stock(stock=10)
    before = log_count()

    def crash(*args, **kwargs):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(ledger, "append_log", crash)
    with pytest.raises(RuntimeError):
        inventory.adjust_stock(product.id, "盘点差异", OP, delta=5)

    db.session.expire_all()
    assert figures(product.id) == (10, 0)
    assert log_count() == before


def test_failure_after_a_lock_leaves_no_reservation(app, monkeypatch):
    product = product_with_stock(stock=10)

    def crash(*args, **kwargs):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(inventory, "append_log", crash)
    with pytest.raises(RuntimeError):
        inventory.lock_stock(product.id, 5, "订单占用", OP)

    assert figures(product.id) == (10, 0)
    assert db.session.execute(select(func.count(StockReservation.id))).scalar_one() == 0


def test_operations_are_counted_by_outcome(app):
    product = product_with_stock(stock=1)
    ok, refused = metric("lock", "ok"), metric("lock", "refused")

    inventory.lock_stock(product.id, 1, "订单占用", OP)
    with pytest.raises(InsufficientStock):
        inventory.lock_stock(product.id, 1, "订单占用", OP)

    assert (metric("lock", "ok"), metric("lock", "refused")) == (ok + 1, refused + 1)


def test_the_class_exposes_the_same_operations(app):
    product = product_with_stock(stock=3)

    change = InventoryService.lock_stock(product.id, 1, "订单占用", OP)

    assert [r.id for r in InventoryService.open_reservations(product.id)] == [change.reservation_id]
    assert InventoryService.release_stock is inventory.release_stock


def test_refusal_messages_are_the_exception_text(app):
    error = InsufficientStock(5, 2)

    assert str(error) == error.message
