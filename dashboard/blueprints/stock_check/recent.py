"""This browser session's recent stock checks, kept in the signed Flask session cookie and bounded.

Only codes and figures are stored (the cookie must stay well under 4 KB); names are looked up when shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import session
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Product
from dashboard.services.stock_check import InvalidCountyCode, StockCheckResult, county_location

SESSION_KEY = "recent_stock_checks"
KEEP = 10


@dataclass(frozen=True)
class RecentCheck:
    product_code: str
    product_name: str
    county_code: str
    place: str
    quantity: int
    total_stock: int
    available: bool
    source: str
    checked_at: datetime | None


def remember_check(result: StockCheckResult) -> None:
    """Put the check first; the same product, county and quantity checked again replaces its older line."""
    entry = [
        result.product_code,
        result.county_code,
        result.quantity,
        result.total_stock,
        result.available,
        result.source,
        result.checked_at.isoformat() if result.checked_at else None,
    ]
    kept = [e for e in session.get(SESSION_KEY, []) if e[:3] != entry[:3]]
    session[SESSION_KEY] = [entry, *kept][:KEEP]


def recent_checks() -> list[RecentCheck]:
    stored = session.get(SESSION_KEY, [])
    if not stored:
        return []
    codes = {e[0] for e in stored}
    rows = db.session.execute(select(Product.code, Product.name).where(Product.code.in_(codes))).all()
    names = {code: name for code, name in rows}
    return [
        RecentCheck(
            product_code=code,
            product_name=names.get(code) or code,
            county_code=county,
            place=_place(county),
            quantity=quantity,
            total_stock=total,
            available=available,
            source=source,
            checked_at=datetime.fromisoformat(at) if at else None,
        )
        for code, county, quantity, total, available, source, at in stored
    ]


def _place(county_code: str) -> str:
    try:
        return county_location(county_code).label
    except InvalidCountyCode:
        return county_code
