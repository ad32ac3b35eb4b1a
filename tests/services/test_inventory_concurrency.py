"""Concurrent ledger operations on SQLite and PostgreSQL: nothing oversold, nothing lost, the log adds up."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product, StockReservation
from dashboard.services import inventory
from dashboard.services.inventory import InsufficientStock, InventoryError
from tests.factories import make_product

BARRIER_TIMEOUT = 30


def run_threads(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads started together; each thread has its own app context and session."""
    results: list[object] = [None] * count
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)

    def target(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as error:  # recorded, asserted on by the test
                results[i] = error

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a ledger thread hung"
    db.session.expire_all()
    return results


def assert_ledger_consistent(product_id: int) -> None:
    """The invariants of one product: reservations, denormalised reserved, and an unbroken log chain."""
    product = db.session.get(Product, product_id)
    reservations = list(
        db.session.execute(
            select(StockReservation).where(StockReservation.product_id == product_id)
        ).scalars()
    )
    for r in reservations:
        assert 0 <= r.released_quantity <= r.quantity
        assert (r.status == "released") == (r.open_quantity == 0)
    assert product.reserved == sum(r.open_quantity for r in reservations if r.status == "open")
    rows = list(
        db.session.execute(
            select(InventoryLog).where(InventoryLog.product_id == product_id).order_by(InventoryLog.id)
        ).scalars()
    )
    stock, available = 0, 0
    for row in rows:
        assert (row.stock_before, row.available_before) == (stock, available), f"log chain broken at {row.id}"
        moved = row.stock_after - row.stock_before if row.change_type in ("adjust", "sync") else 0
        assert row.quantity == row.available_after - row.available_before
        assert moved == (row.quantity if row.change_type in ("adjust", "sync") else 0)
        stock, available = row.stock_after, row.available_after
    assert (product.stock, product.available) == (stock, available)
    assert product.stock == sum(r.quantity for r in rows if r.change_type in ("adjust", "sync"))
    assert product.available == sum(r.quantity for r in rows)


def test_fifty_threads_locking_one_each_of_twenty(app):
    product_id = make_product("HOT").id  # threads must not touch this session's objects
    inventory.adjust_stock(product_id, "到货入库", "setup", new_stock=20)

    results = run_threads(app, 50, lambda i: inventory.lock_stock(product_id, 1, "订单占用", f"user-{i}"))

    succeeded = [r for r in results if isinstance(r, inventory.StockChange)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(succeeded), len(refused)) == (20, 30), Counter(type(r).__name__ for r in results)
    product = db.session.get(Product, product_id)
    assert (product.stock, product.reserved, product.available) == (20, 20, 0)
    assert len(inventory.open_reservations(product.id)) == 20
    locks = db.session.execute(
        select(InventoryLog.quantity).where(
            InventoryLog.product_id == product.id, InventoryLog.change_type == "lock"
        )
    ).scalars()
    assert sum(locks) == -20  # the signed quantities sum to the change in available stock
    assert sorted(r.available_after for r in succeeded) == list(range(20))
    assert_ledger_consistent(product.id)


def test_concurrent_repeats_of_one_key_apply_once(app):
    product_id = make_product("DUP").id
    inventory.adjust_stock(product_id, "到货入库", "setup", new_stock=10)

    results = run_threads(
        app,
        12,
        lambda i: inventory.lock_stock(product_id, 2, "订单占用", "double-clicker", idempotency_key="same"),
    )

    assert all(isinstance(r, inventory.StockChange) for r in results), results
    assert len({r.log_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert db.session.get(Product, product_id).reserved == 2
    assert_ledger_consistent(product_id)


def test_concurrent_releases_of_one_reservation_release_it_once(app):
    product_id = make_product("REL").id
    inventory.adjust_stock(product_id, "到货入库", "setup", new_stock=10)
    locked = inventory.lock_stock(product_id, 5, "订单占用", "setup")

    results = run_threads(
        app, 10, lambda i: inventory.release_stock(locked.reservation_id, "订单取消", f"u{i}")
    )

    assert sum(isinstance(r, inventory.StockChange) for r in results) == 1
    assert all(isinstance(r, (inventory.StockChange, inventory.ReservationClosed)) for r in results), results
    assert db.session.get(Product, product_id).available == 10
    assert_ledger_consistent(product_id)


def test_mixed_storm_keeps_the_invariants(app):
    products = [make_product(f"STORM{i}") for i in range(3)]
    for product in products:
        inventory.adjust_stock(product.id, "到货入库", "setup", new_stock=30)
    ids = [p.id for p in products]

    def storm(i: int) -> list[object]:
        rng = random.Random(i)
        outcomes: list[object] = []
        for _ in range(8):
            product_id = rng.choice(ids)
            action = rng.choice(["lock", "lock", "release", "adjust", "sync"])
            try:
                if action == "lock":
                    outcomes.append(inventory.lock_stock(product_id, rng.randint(1, 6), "订单占用", f"t{i}"))
                elif action == "release":
                    open_ones = inventory.open_reservations(product_id)
                    if open_ones:
                        target = rng.choice(open_ones)
                        amount = rng.choice([None, 1])
                        outcomes.append(
                            inventory.release_stock(target.id, "订单取消", f"t{i}", quantity=amount)
                        )
                elif action == "adjust":
                    delta = rng.choice([-4, -2, 3, 5])
                    outcomes.append(inventory.adjust_stock(product_id, "盘点差异", f"t{i}", delta=delta))
                else:
                    current = db.session.get(Product, product_id)
                    db.session.refresh(current)
                    figure = max(current.reserved, current.stock + rng.choice([-2, 0, 4]))
                    outcomes.append(inventory.sync_stock(product_id, figure))
            except InventoryError as refusal:
                outcomes.append(refusal)
        return outcomes

    results = run_threads(app, 16, storm)

    unexpected = [r for r in results if isinstance(r, Exception)]
    assert unexpected == []
    flat = [o for outcomes in results for o in outcomes]
    assert any(isinstance(o, inventory.StockChange) for o in flat)
    for product_id in ids:
        assert_ledger_consistent(product_id)
        assert db.session.get(Product, product_id).stock >= 0
