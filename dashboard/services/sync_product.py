"""Syncing one product now (the product page's buttons and the API): its stock for one county, or its prices.

Unlike a run, Haier's typed errors propagate so the caller can say what went wrong; nothing is written then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update

from dashboard.database import begin_write
from dashboard.extensions import db
from dashboard.haier import HaierBusinessError, StockResult, get_haier_client
from dashboard.metrics import SYNC_ITEMS
from dashboard.models import Product, Source, SyncKind
from dashboard.services import sync_mapping as mapping
from dashboard.services.sync_catalogue import NO_PRICE_ANSWER
from dashboard.services.sync_mapping import FieldChange
from dashboard.services.sync_stock import StockTarget, apply_stock_result, resolve_county
from dashboard.timeutil import utcnow

logger = logging.getLogger(__name__)


class ProductNotFound(LookupError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} does not exist")
        self.product_id = product_id


@dataclass(frozen=True)
class ProductSyncResult:
    product_id: int
    code: str
    kind: SyncKind
    changed: bool
    changes: list[FieldChange]
    stock_result: StockResult | None = None  # stock syncs: Haier's per-warehouse answer
    county_code: str | None = None


def _product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def sync_product_stock(
    product_id: int, *, county_code: str | None = None, operator: str, source: Source | str
) -> ProductSyncResult:
    """Sync one product's stock for one county now. Haier errors propagate (typed); nothing is written then."""
    product = _product(product_id)
    code, before = product.code, product.stock
    county, county_name = resolve_county(county_code)
    db.session.commit()  # no transaction stays open across the Haier call
    result = get_haier_client().check_stock(code, county)
    target = StockTarget(county, county_name, operator, Source(source))
    change = apply_stock_result(product_id, result, target)
    SYNC_ITEMS.labels(kind="stock", result="changed" if change else "unchanged").inc()
    changes = [FieldChange(code, "stock", before, change.stock_after)] if change else []
    return ProductSyncResult(product_id, code, SyncKind.STOCK, change is not None, changes, result, county)


def sync_product_prices(product_id: int, *, operator: str) -> ProductSyncResult:
    """Fetch one product's purchase prices now and store them if they changed. Haier errors propagate."""
    code = _product(product_id).code
    db.session.commit()
    prices = {price.code: price for price in get_haier_client().get_product_prices([code])}
    if code not in prices:
        raise HaierBusinessError(NO_PRICE_ANSWER, endpoint="get_product_prices")
    begin_write()
    product = _product(product_id)
    changes = mapping.diff(product, mapping.price_values(prices[code]))
    mapping.apply(product, changes)
    db.session.flush()
    # A confirmation is not a change: stamp it without moving updated_at.
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(prices_synced_at=utcnow(), updated_at=Product.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    SYNC_ITEMS.labels(kind="prices", result="changed" if changes else "unchanged").inc()
    logger.info(
        "product prices synced", extra={"product_code": code, "operator": operator, "changed": len(changes)}
    )
    return ProductSyncResult(product_id, code, SyncKind.PRICES, bool(changes), changes)
