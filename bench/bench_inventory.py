"""Stock ledger throughput: contended locks on one hot product and uncontended locks across many products,
on SQLite and PostgreSQL, with the ledger invariants checked at the end of every run.

Each thread has its own app context (its own session and connection), as request threads do. On SQLite every
ledger write takes the database-wide write lock (BEGIN IMMEDIATE), so "uncontended" still queues on that lock
(and SQLite's busy handler sleeps while it waits); on PostgreSQL only writers of the same product row queue.
Run: .venv/bin/python bench/bench_inventory.py [--threads N] [--ops N] [--products N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench._common import bench_app, postgres_database, sqlite_database  # noqa: E402
from dashboard.extensions import db  # noqa: E402
from dashboard.models import InventoryLog, Product, StockReservation  # noqa: E402
from dashboard.services import inventory  # noqa: E402

START_STOCK = 100_000


def make_products(count: int, prefix: str) -> list[int]:
    products = [Product(code=f"{prefix}{i:05d}", name=f"基准商品 {i}") for i in range(count)]
    db.session.add_all(products)
    db.session.commit()
    ids = [p.id for p in products]
    for product_id in ids:
        inventory.adjust_stock(product_id, "到货入库", "bench", new_stock=START_STOCK)
    return ids


def run_threads(app, threads: int, ops_per_thread: int, pick) -> tuple[float, int, list[BaseException]]:
    """Every thread locks 1 unit `ops_per_thread` times on pick(thread, i); returns seconds, ok count, errors."""
    barrier = threading.Barrier(threads + 1)
    done = [0] * threads
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        with app.app_context():
            barrier.wait()
            for i in range(ops_per_thread):
                try:
                    inventory.lock_stock(pick(t, i), 1, "订单占用", f"bench-{t}")
                    done[t] += 1
                except Exception as error:  # noqa: BLE001 - reported below, fails the run
                    errors.append(error)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start, sum(done), errors


def check_invariants(product_ids: list[int]) -> None:
    db.session.expire_all()
    for product_id in product_ids:
        product = db.session.get(Product, product_id)
        open_sum = db.session.execute(
            select(
                func.coalesce(func.sum(StockReservation.quantity - StockReservation.released_quantity), 0)
            ).where(StockReservation.product_id == product_id, StockReservation.status == "open")
        ).scalar_one()
        logged = db.session.execute(
            select(func.sum(InventoryLog.quantity)).where(InventoryLog.product_id == product_id)
        ).scalar_one()
        stock_moves = db.session.execute(
            select(func.sum(InventoryLog.quantity)).where(
                InventoryLog.product_id == product_id, InventoryLog.change_type.in_(["adjust", "sync"])
            )
        ).scalar_one()
        assert product.reserved == open_sum, (product_id, product.reserved, open_sum)
        assert product.available >= 0
        assert product.available == logged, (product_id, product.available, logged)
        assert product.stock == stock_moves == START_STOCK


def bench(label: str, uri: str, threads: int, ops: int, product_count: int) -> None:
    app = bench_app(
        uri, LOG_LEVEL="WARNING", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": threads + 2, "max_overflow": 4}
    )
    with app.app_context():
        hot = make_products(1, "HOT")
        spread = make_products(product_count, "SPR")
        per_thread = max(1, ops // threads)

        seconds, ok, errors = run_threads(app, 1, ops, lambda t, i: hot[0])
        assert not errors, errors[:3]
        print(
            f"  {label:<10} single thread, one product        {ok / seconds:8.0f} locks/s  ({ok} in {seconds:.2f} s)"
        )

        seconds, ok, errors = run_threads(app, threads, per_thread, lambda t, i: hot[0])
        assert not errors, errors[:3]
        print(
            f"  {label:<10} contended: {threads} threads, 1 product  {ok / seconds:8.0f} locks/s  "
            f"({ok} in {seconds:.2f} s)"
        )

        def pick_spread(t: int, i: int) -> int:
            # Thread t only touches its own slice of products: no two threads want the same row.
            return spread[(t + threads * i) % len(spread)]

        seconds, ok, errors = run_threads(app, threads, per_thread, pick_spread)
        assert not errors, errors[:3]
        print(
            f"  {label:<10} uncontended: {threads} threads, {len(spread)} products "
            f"{ok / seconds:6.0f} locks/s  ({ok} in {seconds:.2f} s)"
        )
        check_invariants(hot + spread)
        expected = ops + per_thread * threads * 2
        total = db.session.execute(select(func.count(StockReservation.id))).scalar_one()
        assert total == expected, (total, expected)
        print(
            f"  {label:<10} invariants hold: {total} reservations, reserved = open sum, log sums = available"
        )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ops", type=int, default=2000, help="lock operations per scenario")
    parser.add_argument("--products", type=int, default=64)
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)

    print(f"Stock ledger locks ({args.ops} per scenario, {args.threads} threads):")
    with sqlite_database() as uri:
        bench("SQLite", uri, args.threads, args.ops, args.products)
    with postgres_database() as uri:
        if uri:
            bench("PostgreSQL", uri, args.threads, args.ops, args.products)


if __name__ == "__main__":
    main()
