"""Catalogue page and htmx search over 100,000 products, through the WSGI app, on SQLite and PostgreSQL.

Target on a 2-core machine: p95 <= 50 ms for a page of 50 rows at any page number and for a search.
Run: .venv/bin/python bench/bench_catalogue.py [--products N] [--repeat N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench._common import bench_app, postgres_database, report, sqlite_database, time_calls  # noqa: E402
from dashboard.extensions import db  # noqa: E402
from dashboard.models import Product  # noqa: E402
from dashboard.models.product import build_search_text  # noqa: E402
from dashboard.services import accounts  # noqa: E402
from dashboard.timeutil import utcnow  # noqa: E402

GROUPS = [
    "冰箱",
    "冷柜",
    "滚筒洗衣机",
    "波轮洗衣机",
    "挂式空调",
    "柜式空调",
    "电热水器",
    "燃气热水器",
    "油烟机",
    "洗碗机",
]
BRANDS = ["海尔", "卡萨帝", "统帅"]


def load_products(count: int) -> None:
    now = utcnow()
    batch = []
    for i in range(count):
        code = f"B{i:08d}"
        model = f"BCD-{i % 997}W{i % 13}"
        name = f"{BRANDS[i % 3]} {GROUPS[i % 10]} {i}"
        batch.append(
            {
                "code": code,
                "model": model,
                "name": name,
                "product_group": GROUPS[i % 10],
                "brand": BRANDS[i % 3],
                "category": GROUPS[i % 10],
                "is_sales": i % 17 != 0,
                "detail_image_urls": [],
                "stock": i % 40,
                "reserved": 0,
                "search_text": build_search_text(code, model, name),
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(batch) == 10_000:
            db.session.execute(insert(Product), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(Product), batch)
    db.session.commit()


def run(label: str, database_uri: str, count: int, repeat: int) -> None:
    app = bench_app(database_uri)
    with app.app_context():
        started = time.perf_counter()
        load_products(count)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"{label}: loaded {count:,} products in {time.perf_counter() - started:.1f} s")
        user_id = accounts.create_user("bench", "viewer", "bench-password-1").user.id
    client = app.test_client()
    with client.session_transaction() as session:  # signed in without the form (CSRF is on)
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    last_page = (count + 49) // 50
    htmx = {"HX-Request": "true"}
    cases = {
        "page 1 (full page)": ("/products/", {}),
        "page 1 (htmx fragment)": ("/products/", htmx),
        f"middle page {last_page // 2}": (f"/products/?page={last_page // 2}", htmx),
        f"last page {last_page}": (f"/products/?page={last_page}", htmx),
        "sorted by model, page 500": ("/products/?sort=model&page=500", htmx),
        "search 'bcd-42' (htmx)": ("/products/?q=bcd-42", htmx),
        "search '卡萨帝 冰箱 9' (htmx)": ("/products/?q=卡萨帝%20冰箱%209", htmx),
        "filter group+brand+stock low": ("/products/?group=冰箱&brand=海尔&stock=low", htmx),
        "filter group+brand+stock in": ("/products/?group=冰箱&brand=海尔&stock=in", htmx),
    }
    for case, (url, headers) in cases.items():

        def call(url=url, headers=headers):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)

        report(case, time_calls(call, repeat))
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with sqlite_database() as uri:
        run("SQLite", uri, args.products, args.repeat)
    with postgres_database() as uri:
        if uri:
            run("PostgreSQL", uri, args.products, args.repeat)


if __name__ == "__main__":
    main()
