"""The local catalogue: one row per Haier product code."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import db
from dashboard.models.types import UTCDateTime
from dashboard.timeutil import utcnow

Money = Numeric(12, 2)


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="", index=True)
    product_group: Mapped[str] = mapped_column(String(50), default="", index=True)
    brand: Mapped[str] = mapped_column(String(50), default="", index=True)
    category: Mapped[str] = mapped_column(String(50), default="", index=True)
    is_sales: Mapped[bool] = mapped_column(default=True, index=True)
    no_sales_reason: Mapped[str | None] = mapped_column(String(200))
    image_url: Mapped[str | None] = mapped_column(String(500))
    detail_image_urls: Mapped[list] = mapped_column(JSON, default=list)

    supply_price: Mapped[Decimal | None] = mapped_column(Money)
    invoice_price: Mapped[Decimal | None] = mapped_column(Money)
    market_price: Mapped[Decimal | None] = mapped_column(Money)
    direct_discount: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    rebate: Mapped[Decimal | None] = mapped_column(Money)
    price_note: Mapped[str | None] = mapped_column(String(200))

    # Written only by the stock ledger service (dashboard.services.inventory).
    stock: Mapped[int] = mapped_column(default=0, index=True)
    reserved: Mapped[int] = mapped_column(default=0)
    warehouse_code: Mapped[str | None] = mapped_column(String(32))
    warehouse_grade: Mapped[str | None] = mapped_column(String(1))
    stock_county_code: Mapped[str | None] = mapped_column(String(6))

    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    prices_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    catalogue_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when Haier stops returning the product: we mark, never delete.
    missing_from_haier_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Lower-cased "code model name", so the as-you-type search is one indexed LIKE.
    search_text: Mapped[str] = mapped_column(String(400), default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    regional_stocks: Mapped[list[RegionalStock]] = relationship(
        back_populates="product", order_by="RegionalStock.checked_at.desc()"
    )

    __table_args__ = (Index("ix_products_available", db.text("(stock - reserved)")),)

    def __repr__(self) -> str:
        return f"<Product {self.code}>"

    @property
    def available(self) -> int:
        return self.stock - self.reserved

    def stock_state(self, low_threshold: int) -> str:
        if self.available <= 0:
            return "out"
        return "low" if self.available <= low_threshold else "in"

    @property
    def warehouse_grade_label(self) -> str | None:
        return {"0": "本级仓", "1": "上级仓"}.get(self.warehouse_grade or "")


def build_search_text(code: str, model: str, name: str) -> str:
    return f"{code} {model} {name}".lower()


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _refresh_search_text(mapper, connection, target: Product) -> None:
    target.search_text = build_search_text(target.code or "", target.model or "", target.name or "")


class RegionalStock(db.Model):
    """The last known Haier answer for a product and a county: warehouses and delivery promise."""

    __tablename__ = "regional_stocks"
    __table_args__ = (UniqueConstraint("product_id", "county_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    county_name: Mapped[str | None] = mapped_column(String(100))
    total_stock: Mapped[int] = mapped_column(default=0)
    # StockResult.to_dict() of the Haier client: per-warehouse rows and promises.
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="regional_stocks")
