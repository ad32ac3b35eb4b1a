"""Small builders for test data. Stock is never written here: tests that need stock go through the ledger."""

from __future__ import annotations

from decimal import Decimal

from dashboard.extensions import db
from dashboard.models import Product


def make_product(code: str, **fields) -> Product:
    defaults = {
        "name": f"海尔 测试商品 {code}",
        "model": f"MODEL-{code}",
        "product_group": "冰箱",
        "category": "冰箱",
        "brand": "海尔",
        "supply_price": Decimal("1999.00"),
    }
    product = Product(code=code, **{**defaults, **fields})
    db.session.add(product)
    db.session.commit()
    return product


def make_products(count: int, prefix: str = "T", **fields) -> list[Product]:
    products = [
        Product(
            code=f"{prefix}{i:05d}",
            name=f"海尔 测试商品 {i}",
            model=f"M-{i:05d}",
            product_group=fields.get("product_group", "冰箱"),
            category=fields.get("category", "冰箱"),
            brand=fields.get("brand", "海尔"),
        )
        for i in range(count)
    ]
    db.session.add_all(products)
    db.session.commit()
    return products
