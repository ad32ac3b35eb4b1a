"""Models and service results as JSON: money as decimal strings, times as ISO 8601 UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from dashboard.models import Product
from dashboard.timeutil import as_utc


def iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def product_dict(product: Product, low_threshold: int) -> dict[str, Any]:
    return {
        "id": product.id,
        "code": product.code,
        "name": product.name,
        "model": product.model,
        "product_group": product.product_group,
        "category": product.category,
        "brand": product.brand,
        "is_sales": product.is_sales,
        "no_sales_reason": product.no_sales_reason,
        "image_url": product.image_url,
        "supply_price": money(product.supply_price),
        "invoice_price": money(product.invoice_price),
        "market_price": money(product.market_price),
        "stock": product.stock,
        "reserved": product.reserved,
        "available": product.available,
        "stock_state": product.stock_state(low_threshold),
        "warehouse_code": product.warehouse_code,
        "warehouse_grade": product.warehouse_grade,
        "warehouse_grade_label": product.warehouse_grade_label,
        "stock_county_code": product.stock_county_code,
        "last_sync_at": iso(product.last_sync_at),
        "missing_from_haier_at": iso(product.missing_from_haier_at),
    }


def stock_change_dict(change) -> dict[str, Any]:
    """A ledger StockChange."""
    return {
        "log_id": change.log_id,
        "product_id": change.product_id,
        "change_type": change.change_type.value,
        "quantity": change.quantity,
        "stock_before": change.stock_before,
        "stock_after": change.stock_after,
        "available_before": change.available_before,
        "available_after": change.available_after,
        "reservation_id": change.reservation_id,
        "replayed": change.replayed,
    }


def product_sync_dict(result) -> dict[str, Any]:
    """A sync ProductSyncResult: what changed, and Haier's per-warehouse answer it was based on."""
    return {
        "product_id": result.product_id,
        "product_code": result.code,
        "kind": result.kind.value,
        "changed": result.changed,
        "changes": [change.to_dict() for change in result.changes],
        "county_code": result.county_code,
        "stock_result": result.stock_result.to_dict() if result.stock_result else None,
    }


def stock_log_dict(log, product_code: str, product_name: str) -> dict[str, Any]:
    """One stock log row with its product's code and name (as the stock log page shows it)."""
    return {
        "id": log.id,
        "created_at": iso(log.created_at),
        "product_id": log.product_id,
        "product_code": product_code,
        "product_name": product_name,
        "change_type": log.change_type,
        "quantity": log.quantity,
        "stock_before": log.stock_before,
        "stock_after": log.stock_after,
        "available_before": log.available_before,
        "available_after": log.available_after,
        "reason": log.reason,
        "reference": log.reference,
        "operator": log.operator,
        "source": log.source,
        "request_id": log.request_id,
        "reservation_id": log.reservation_id,
    }
