"""How Haier's product and price answers map onto Product columns, and the compare-before-assign rule.

Assigning an equal value still marks a SQLAlchemy attribute dirty and moves `updated_at`, so every field is
compared first (money at the column's scale) and only real differences are written. A second sync with no
changes therefore writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboard.haier.types import HaierPrice, HaierProduct
from dashboard.models import Product

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
RATE = Decimal("0.0001")  # Product.direct_discount is Numeric(8, 4)

# Haier's product groups (productGroupNamd) → our category. Explicit on purpose: a group missing here gets
# category "" (shown as uncategorised, and logged), never a guess such as "the first category".
GROUP_CATEGORIES: dict[str, str] = {
    "冰箱": "冰箱",
    "冷柜": "冰箱",
    "酒柜": "冰箱",
    "滚筒洗衣机": "洗衣机",
    "波轮洗衣机": "洗衣机",
    "洗衣机": "洗衣机",
    "干衣机": "洗衣机",
    "洗干一体机": "洗衣机",
    "挂式空调": "空调",
    "柜式空调": "空调",
    "中央空调": "空调",
    "空调": "空调",
    "电热水器": "热水器",
    "燃气热水器": "热水器",
    "空气能热水器": "热水器",
    "太阳能热水器": "热水器",
    "热水器": "热水器",
    "油烟机": "厨电",
    "燃气灶": "厨电",
    "洗碗机": "厨电",
    "消毒柜": "厨电",
    "集成灶": "厨电",
    "烤箱": "厨电",
    "蒸箱": "厨电",
    "净水器": "厨电",
}


def category_for_group(group: str | None) -> str:
    """The category of a Haier product group, or "" when the group is not in the table."""
    if not group:
        return ""
    category = GROUP_CATEGORIES.get(group.strip())
    if category is None:
        logger.warning("unknown Haier product group; category left empty", extra={"haier_group": group})
        return ""
    return category


@dataclass(frozen=True)
class FieldChange:
    """One field a sync changed (or, in a dry run, would change)."""

    code: str
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "before": _plain(self.before),
            "after": _plain(self.after),
        }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _scaled(value: Decimal | None, scale: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(scale)


def catalogue_values(item: HaierProduct, product: Product | None) -> dict[str, Any]:
    """Column values Haier's product answer asks for. Optional fields Haier left out keep what we have."""
    values: dict[str, Any] = {
        "product_group": item.group or "",
        "brand": item.brand or "",
        "category": category_for_group(item.group),
        "is_sales": item.is_sales,
        "no_sales_reason": None if item.is_sales else (item.no_sales_reason or None),
        "image_url": item.image_url,
        "detail_image_urls": list(item.detail_image_urls),
        "missing_from_haier_at": None,
    }
    # productName and productModel are not always sent; absence is not an empty name.
    if item.model is not None or product is None:
        values["model"] = item.model or ""
    if item.name is not None or product is None:
        values["name"] = item.name or ""
    return values


def price_values(price: HaierPrice) -> dict[str, Any]:
    """Column values of a price answer. No price (价格未生效) is stored as no price, with Haier's reason."""
    return {
        "supply_price": _scaled(price.supply_price, CENT),
        "invoice_price": _scaled(price.invoice_price, CENT),
        "direct_discount": _scaled(price.direct_discount, RATE),
        "rebate": _scaled(price.rebate, CENT),
        "price_note": (price.reason or "").strip() or None,
    }


def diff(product: Product, values: dict[str, Any]) -> list[FieldChange]:
    """The fields whose value differs from the product's (money compared at the column scale)."""
    changes = []
    for name, new in values.items():
        old = getattr(product, name)
        # Decimal equality is numeric (1999.0 == 1999.00), and new values are already at the column scale.
        if old != new:
            changes.append(FieldChange(product.code, name, old, new))
    return changes


def apply(product: Product, changes: list[FieldChange]) -> None:
    for change in changes:
        setattr(product, change.field, change.after)
