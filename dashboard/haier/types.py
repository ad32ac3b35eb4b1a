"""Typed results of the Haier client, with proper Python names and types.

Each type round-trips through ``to_dict()`` / ``from_dict()`` (Decimal as str, datetime as ISO 8601)
so results can be cached or stored and rebuilt unchanged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _uniso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class WarehouseGrade(enum.Enum):
    LOCAL = "0"
    UPPER = "1"

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]


_GRADE_LABELS = {WarehouseGrade.LOCAL: "本级仓", WarehouseGrade.UPPER: "上级仓"}


@dataclass(frozen=True)
class HaierProduct:
    code: str
    model: str | None
    name: str | None
    group: str | None
    brand: str | None
    image_url: str | None
    detail_image_urls: list[str] = field(default_factory=list)
    is_sales: bool = False
    no_sales_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "model": self.model,
            "name": self.name,
            "group": self.group,
            "brand": self.brand,
            "image_url": self.image_url,
            "detail_image_urls": list(self.detail_image_urls),
            "is_sales": self.is_sales,
            "no_sales_reason": self.no_sales_reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HaierProduct:
        return cls(**{**d, "detail_image_urls": list(d.get("detail_image_urls") or [])})


@dataclass(frozen=True)
class HaierPrice:
    code: str
    supply_price: Decimal | None
    invoice_price: Decimal | None
    direct_discount: Decimal | None
    rebate: Decimal | None
    is_sales: bool
    reason: str | None
    # Haier's table also documents ``stockRebatePolicy`` as a rebate-type string; kept when it is one.
    rebate_policy: str | None = None

    _MONEY = ("supply_price", "invoice_price", "direct_discount", "rebate")

    def to_dict(self) -> dict[str, Any]:
        d = {
            "code": self.code,
            "is_sales": self.is_sales,
            "reason": self.reason,
            "rebate_policy": self.rebate_policy,
        }
        d.update({name: _dec(getattr(self, name)) for name in self._MONEY})
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HaierPrice:
        return cls(**{**d, **{name: _undec(d.get(name)) for name in cls._MONEY}})


@dataclass(frozen=True)
class DeliveryPromise:
    cut_time: str | None
    estimated_delivery: datetime | None  # aware, Asia/Shanghai
    hours: int | None
    is_transfer: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cut_time": self.cut_time,
            "estimated_delivery": _iso(self.estimated_delivery),
            "hours": self.hours,
            "is_transfer": self.is_transfer,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DeliveryPromise:
        return cls(**{**d, "estimated_delivery": _uniso(d.get("estimated_delivery"))})

    def sort_key(self) -> tuple:
        """Earlier delivery first, then fewer hours, then no transfer."""
        far = datetime.max.replace(tzinfo=UTC)
        return (
            self.estimated_delivery or far,
            self.hours if self.hours is not None else 1 << 30,
            self.is_transfer is not False,
        )


@dataclass(frozen=True)
class WarehouseStock:
    sec_code: str
    stock: int
    grade: WarehouseGrade | None
    promise: DeliveryPromise | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sec_code": self.sec_code,
            "stock": self.stock,
            "grade": self.grade.value if self.grade else None,
            "promise": self.promise.to_dict() if self.promise else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WarehouseStock:
        return cls(
            sec_code=d["sec_code"],
            stock=int(d["stock"]),
            grade=WarehouseGrade(d["grade"]) if d.get("grade") is not None else None,
            promise=DeliveryPromise.from_dict(d["promise"]) if d.get("promise") else None,
        )

    def sort_key(self) -> tuple:
        """Rows that can ship first, then the best promise, local before upper, more stock first."""
        return (
            self.stock <= 0,
            self.promise is None,
            self.promise.sort_key() if self.promise else (),
            self.grade is not WarehouseGrade.LOCAL,
            -self.stock,
            self.sec_code,
        )


@dataclass(frozen=True)
class StockResult:
    product_code: str
    county_code: str
    warehouses: list[WarehouseStock]  # best promise first
    total: int
    checked_at: datetime  # aware UTC

    @property
    def best_promise(self) -> DeliveryPromise | None:
        """The promise of the best warehouse that has stock, or None when none has."""
        for row in self.warehouses:
            if row.stock > 0 and row.promise is not None:
                return row.promise
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_code": self.product_code,
            "county_code": self.county_code,
            "warehouses": [w.to_dict() for w in self.warehouses],
            "total": self.total,
            "checked_at": _iso(self.checked_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StockResult:
        return cls(
            product_code=d["product_code"],
            county_code=d["county_code"],
            warehouses=[WarehouseStock.from_dict(w) for w in d["warehouses"]],
            total=int(d["total"]),
            checked_at=datetime.fromisoformat(d["checked_at"]),
        )


@dataclass(frozen=True)
class LogisticsInfo:
    order_code: str
    unified: list[dict] = field(default_factory=list)
    delivery_records: list[dict] = field(default_factory=list)
    third_party: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_code": self.order_code,
            "unified": [dict(i) for i in self.unified],
            "delivery_records": [dict(i) for i in self.delivery_records],
            "third_party": [dict(i) for i in self.third_party],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogisticsInfo:
        return cls(
            order_code=d["order_code"],
            unified=list(d.get("unified") or []),
            delivery_records=list(d.get("delivery_records") or []),
            third_party=list(d.get("third_party") or []),
        )


@dataclass(frozen=True)
class AccountBalance:
    sale_group_code: str | None
    sale_group_name: str | None
    payer_account_code: str | None
    payer_account_name: str | None
    balance: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "sale_group_code": self.sale_group_code,
            "sale_group_name": self.sale_group_name,
            "payer_account_code": self.payer_account_code,
            "payer_account_name": self.payer_account_name,
            "balance": str(self.balance),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AccountBalance:
        return cls(**{**d, "balance": Decimal(d["balance"])})
