"""The last known Haier stock answer per product and county (warehouses and delivery promise).

Written by the stock check and the stock sync alike; read by the product page and as the stale fallback
when Haier is unavailable. This is Haier's regional figure, not our stock: the ledger is not involved.
"""

from __future__ import annotations

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.haier.types import StockResult
from dashboard.models import RegionalStock


def record_regional_stock(
    product_id: int, result: StockResult, county_name: str | None = None
) -> RegionalStock:
    """Upsert the answer for (product, county) in the caller's transaction; the caller commits."""
    row = db.session.execute(
        select(RegionalStock).where(
            RegionalStock.product_id == product_id, RegionalStock.county_code == result.county_code
        )
    ).scalar_one_or_none()
    if row is None:
        row = RegionalStock(product_id=product_id, county_code=result.county_code)
        db.session.add(row)
    row.total_stock = result.total
    row.result = result.to_dict()
    row.checked_at = result.checked_at
    if county_name:
        row.county_name = county_name
    return row


def last_known(product_id: int, county_code: str) -> tuple[StockResult, RegionalStock] | None:
    row = db.session.execute(
        select(RegionalStock).where(
            RegionalStock.product_id == product_id, RegionalStock.county_code == county_code
        )
    ).scalar_one_or_none()
    if row is None or not row.result:
        return None
    return StockResult.from_dict(row.result), row
