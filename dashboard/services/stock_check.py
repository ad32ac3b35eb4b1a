"""The live stock check: can Haier deliver this product to this address, how many, and when?

One entry point, `check_haier_stock`, used by the stock-check page and the JSON API alike:
address → county code (never guessed) → Haier's per-warehouse stock through a short cache → a typed
`StockCheckResult`. Every live answer is kept as the product's regional stock; when Haier fails, that last
known answer is shown marked stale, and it is not counted as available unless a setting allows it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from dashboard import metrics, regions
from dashboard.extensions import cache, db
from dashboard.haier import get_haier_client
from dashboard.haier.errors import (
    HaierAuthError,
    HaierBusinessError,
    HaierConfigError,
    HaierError,
    HaierProtocolError,
    HaierUnavailable,
)
from dashboard.haier.types import StockResult
from dashboard.models import Product, RegionalStock
from dashboard.services import catalogue
from dashboard.services.regional_stock import last_known, record_regional_stock
from dashboard.services.stock_check_types import (
    AddressNotResolved,
    InvalidCountyCode,
    InvalidQuantity,
    LocationRequired,
    StockCheckInputError,
    StockCheckResult,
    place_label,
    result_message,
)
from dashboard.timeutil import as_utc, utcnow

__all__ = [
    "MAX_QUANTITY",
    "AddressNotResolved",
    "InvalidCountyCode",
    "InvalidQuantity",
    "LocationRequired",
    "StockCheckInputError",
    "StockCheckResult",
    "Location",
    "check_haier_stock",
    "county_location",
    "find_product",
    "product_by_code",
    "regional_answer",
    "error_code",
    "stock_cache_key",
]

logger = logging.getLogger(__name__)

MAX_QUANTITY = 9999  # no order line is this large; a bigger figure is a typo
_COUNTY_CODE = re.compile(r"\d{6}")
# Haier failures that may be answered with the last known figure, and the short code each reports.
_ERROR_CODES: tuple[tuple[type[HaierError], str], ...] = (
    (HaierUnavailable, "haier_unavailable"),
    (HaierAuthError, "haier_auth_failed"),
    (HaierBusinessError, "haier_business_error"),
    (HaierProtocolError, "haier_protocol_error"),
    (HaierConfigError, "haier_config_error"),
)


@dataclass(frozen=True)
class Location:
    county_code: str
    province: str | None
    city: str | None
    county: str | None

    @property
    def label(self) -> str:
        return place_label(self.province, self.city, self.county)


def check_haier_stock(
    product: Product,
    address: str | None = None,
    quantity: int = 1,
    *,
    county_code: str | None = None,
    refresh: bool = False,
) -> StockCheckResult:
    """Check Haier's stock of `product` for delivery to `address` (or `county_code`, exactly one of the two).

    Promises: the county is resolved, never guessed (`AddressNotResolved` otherwise); an answer younger than
    HAIER_STOCK_CACHE_SECONDS comes from the cache unless `refresh`; a live answer is stored as the product's
    regional stock and committed; not enough stock is a result with `available=False`. When Haier fails and a
    last known answer exists it is returned with `source="stale"` and `error` set; without one the typed
    Haier error (HaierUnavailable, HaierAuthError, HaierBusinessError …) is raised for the caller to explain.
    """
    try:
        quantity = _validate_quantity(quantity)
        location = _locate(address, county_code)
    except AddressNotResolved:
        metrics.STOCK_QUERIES.labels(outcome="address_unresolved").inc()
        raise
    except StockCheckInputError:
        metrics.STOCK_QUERIES.labels(outcome="invalid_input").inc()
        raise

    key = stock_cache_key(product.code, location.county_code)
    if not refresh:
        cached = _cache_get(key)
        if cached is not None and _age_seconds(cached.checked_at) < _cache_seconds():
            metrics.CACHE_LOOKUPS.labels(result="hit").inc()
            return _finish(_result(product, location, quantity, cached, "cache"))
        metrics.CACHE_LOOKUPS.labels(result="miss").inc()

    try:
        answer = get_haier_client().check_stock(product.code, location.county_code)
    except HaierError as exc:
        code = error_code(exc)
        if code is None:
            raise
        return _finish(_stale_or_raise(product, location, quantity, key, exc, code))

    _store(product, location, answer)
    _cache_set(key, answer)
    return _finish(_result(product, location, quantity, answer, "live"))


def product_by_code(code: str) -> Product | None:
    """The local product with this Haier code (exact, as Haier spells it), or None."""
    return db.session.execute(select(Product).where(Product.code == code.strip())).scalar_one_or_none()


def find_product(text: str) -> Product | None:
    """The product a typed text names without doubt: its code or model (any case), or the only search hit."""
    text = text.strip()
    if not text:
        return None
    lowered = text.lower()
    exact = (
        db.session.execute(
            select(Product)
            .where(or_(func.lower(Product.code) == lowered, func.lower(Product.model) == lowered))
            .order_by(Product.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    if len(exact) == 1:
        return exact[0]
    hits = catalogue.search_products(catalogue.CatalogueFilter(q=text[: catalogue.MAX_SEARCH_LENGTH]), 2, 0)
    return hits.items[0] if hits.total == 1 else None


def regional_answer(row: RegionalStock) -> StockResult | None:
    """The stored Haier answer of a regional stock row, or None when it cannot be read (logged)."""
    try:
        return StockResult.from_dict(row.result) if row.result else None
    except (KeyError, TypeError, ValueError):
        logger.warning("unreadable regional stock row", extra={"regional_stock_id": row.id})
        return None


def stock_cache_key(product_code: str, county_code: str) -> str:
    """The cache key of Haier's answer for one product and county (the app's CACHE_KEY_PREFIX is added)."""
    return f"haier-stock:{product_code}:{county_code}"


def error_code(exc: HaierError) -> str | None:
    """The short code of a Haier failure a stock check can report ("haier_unavailable" …), else None."""
    for kind, code in _ERROR_CODES:
        if isinstance(exc, kind):
            return code
    return None


# -- input ------------------------------------------------------------------------------------------------------


def _validate_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("数量必须是整数")
    if quantity < 1:
        raise InvalidQuantity("数量至少为 1")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(f"数量不能超过 {MAX_QUANTITY}")
    return quantity


def _locate(address: str | None, county_code: str | None) -> Location:
    address = (address or "").strip() or None
    county_code = (county_code or "").strip() or None
    if (address is None) == (county_code is None):
        raise LocationRequired("请填写收货地址或选择区县（二选一）")
    if county_code is not None:
        return county_location(county_code)
    resolution = regions.resolve_address(address)
    if resolution.status != "resolved" or not resolution.county_code:
        raise AddressNotResolved(resolution)
    return Location(resolution.county_code, resolution.province, resolution.city, resolution.county)


def county_location(code: str) -> Location:
    """The county with this code and its province/city names; InvalidCountyCode unless a real county."""
    if not _COUNTY_CODE.fullmatch(code):
        raise InvalidCountyCode("区县编码必须是 6 位数字", code)
    region = regions.get_region(code)
    if region is None or not regions.is_county_code(code):
        raise InvalidCountyCode(f"{code} 不是有效的区县编码，请选择到区县一级", code)
    names = {region.level: region.name}
    parent = regions.get_region(region.parent_code) if region.parent_code else None
    while parent is not None:
        names.setdefault(parent.level, parent.name)
        parent = regions.get_region(parent.parent_code) if parent.parent_code else None
    # City-level codes without counties (东莞市, 441900) are accepted by Haier as the county itself.
    return Location(code, names.get("province"), names.get("city"), names.get("county", region.name))


# -- cache and storage ------------------------------------------------------------------------------------------


def _cache_seconds() -> int:
    return int(current_app.config["HAIER_STOCK_CACHE_SECONDS"])


def _cache_get(key: str) -> StockResult | None:
    try:
        raw = cache.get(key)
        return StockResult.from_dict(raw) if raw else None
    except Exception:  # a broken cache must not stop stock checks; it is logged, and Haier is asked
        logger.warning("stock cache read failed", extra={"cache_key": key}, exc_info=True)
        return None


def _cache_set(key: str, answer: StockResult) -> None:
    try:
        cache.set(key, answer.to_dict(), timeout=_cache_seconds())
    except Exception:
        logger.warning("stock cache write failed", extra={"cache_key": key}, exc_info=True)


def _store(product: Product, location: Location, answer: StockResult) -> None:
    try:
        record_regional_stock(product.id, answer, location.label)
        db.session.commit()
    except IntegrityError:
        # Two checks of one product and county raced to insert the row: the other one won, update it.
        db.session.rollback()
        record_regional_stock(product.id, answer, location.label)
        db.session.commit()


def _age_seconds(checked_at: datetime | None) -> int:
    if checked_at is None:
        return 0
    return max(0, int((utcnow() - as_utc(checked_at)).total_seconds()))


# -- results ----------------------------------------------------------------------------------------------------


def _result(
    product: Product,
    location: Location,
    quantity: int,
    answer: StockResult,
    source: str,
    *,
    error: str | None = None,
    error_detail: str | None = None,
) -> StockCheckResult:
    enough = answer.total >= quantity
    stale = source == "stale"
    available = enough and (not stale or bool(current_app.config["HAIER_STALE_COUNTS_AS_AVAILABLE"]))
    age = 0 if source == "live" else _age_seconds(answer.checked_at)
    return StockCheckResult(
        product_code=product.code,
        product_id=product.id,
        quantity=quantity,
        available=available,
        total_stock=answer.total,
        county_code=location.county_code,
        province=location.province,
        city=location.city,
        county=location.county,
        warehouses=list(answer.warehouses),
        best_promise=answer.best_promise,
        source=source,  # type: ignore[arg-type]
        checked_at=as_utc(answer.checked_at),
        age_seconds=age,
        message=result_message(
            location.label or location.county_code, quantity, answer.total, source, error, age
        ),
        error=error,
        error_detail=error_detail,
    )


def _stale_or_raise(
    product: Product, location: Location, quantity: int, key: str, exc: HaierError, code: str
) -> StockCheckResult:
    """The newest last known answer (cache entry or stored regional stock) marked stale, or re-raise `exc`."""
    known = [answer for answer in (_cache_get(key), _stored(product, location)) if answer is not None]
    logger.warning(
        "haier stock check failed",
        extra={
            "product_code": product.code,
            "county_code": location.county_code,
            "error": code,
            "has_last_known": bool(known),
        },
    )
    if not known:
        metrics.STOCK_QUERIES.labels(outcome=code).inc()
        raise exc
    newest = max(known, key=lambda answer: as_utc(answer.checked_at))
    return _result(product, location, quantity, newest, "stale", error=code, error_detail=exc.message)


def _stored(product: Product, location: Location) -> StockResult | None:
    found = last_known(product.id, location.county_code)
    return found[0] if found else None


def _finish(result: StockCheckResult) -> StockCheckResult:
    metrics.STOCK_QUERIES.labels(outcome=result.source).inc()
    logger.info(
        "stock check",
        extra={
            "product_code": result.product_code,
            "county_code": result.county_code,
            "quantity": result.quantity,
            "total_stock": result.total_stock,
            "available": result.available,
            "source": result.source,
            "error": result.error,
        },
    )
    return result
