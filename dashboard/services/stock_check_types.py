"""The result and the typed input errors of the live stock check (dashboard.services.stock_check).

Kept apart from the service so the page, the JSON API and the tests can import them without the
Haier client or the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from dashboard.haier.types import DeliveryPromise, WarehouseStock

Source = Literal["live", "cache", "stale"]


def place_label(province: str | None, city: str | None, county: str | None) -> str:
    """The place as staff read it: "北京市 朝阳区", "吉林省 长春市 朝阳区" (repeats and 省直辖 fillers dropped)."""
    parts: list[str] = []
    for part in (province, city, county):
        if part and part not in parts and not part.endswith("直辖县级行政区划"):
            parts.append(part)
    return " ".join(parts)


def promise_dict(promise: DeliveryPromise | None) -> dict[str, Any] | None:
    return promise.to_dict() if promise else None


def warehouse_dict(row: WarehouseStock) -> dict[str, Any]:
    data = row.to_dict()
    data["grade_label"] = row.grade.label if row.grade else None
    return data


@dataclass(frozen=True)
class StockCheckResult:
    """One answer to "can Haier deliver `quantity` of this product to this county, and when?".

    `available` is a plain yes/no for the quantity. A stale answer (Haier failed, last known figure shown)
    is never available unless HAIER_STALE_COUNTS_AS_AVAILABLE is set; `error` then names the failure.
    """

    product_code: str
    product_id: int
    quantity: int
    available: bool
    total_stock: int
    county_code: str
    province: str | None
    city: str | None
    county: str | None
    warehouses: list[WarehouseStock] = field(default_factory=list)  # best promise first
    best_promise: DeliveryPromise | None = None
    source: Source = "live"
    checked_at: datetime | None = None  # when Haier gave this answer (aware UTC)
    age_seconds: int = 0
    message: str = ""
    error: str | None = None  # None, or e.g. "haier_unavailable" when the answer is stale
    error_detail: str | None = None  # Haier's own (masked) text for the failure, when there is one

    @property
    def stale(self) -> bool:
        return self.source == "stale"

    @property
    def enough_stock(self) -> bool:
        """Whether the figure shown covers the quantity, whatever its freshness."""
        return self.total_stock >= self.quantity

    @property
    def place_label(self) -> str:
        return place_label(self.province, self.city, self.county)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (datetimes as ISO 8601, grades as "0"/"1" with their label)."""
        return {
            "product_code": self.product_code,
            "product_id": self.product_id,
            "quantity": self.quantity,
            "available": self.available,
            "total_stock": self.total_stock,
            "county_code": self.county_code,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "place": self.place_label,
            "warehouses": [warehouse_dict(w) for w in self.warehouses],
            "best_promise": promise_dict(self.best_promise),
            "source": self.source,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "age_seconds": self.age_seconds,
            "message": self.message,
            "error": self.error,
            "error_detail": self.error_detail,
        }


class StockCheckInputError(ValueError):
    """The caller's input cannot be checked; `code` and a Chinese `message` suit a 400 or a 422."""

    code = "invalid_input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class LocationRequired(StockCheckInputError):
    """Neither or both of address and county code were given."""

    code = "location_required"


class InvalidQuantity(StockCheckInputError):
    code = "invalid_quantity"


class InvalidCountyCode(StockCheckInputError):
    code = "invalid_county_code"

    def __init__(self, message: str, county_code: object) -> None:
        super().__init__(message)
        self.county_code = county_code


class AddressNotResolved(StockCheckInputError):
    """The address does not name exactly one county: the user must choose or complete it; never guessed.

    Carries the resolver's Resolution: `status` ("ambiguous" | "incomplete" | "unresolved"),
    its Chinese `message` and the `candidates` to choose from.
    """

    def __init__(self, resolution: Any) -> None:
        super().__init__(resolution.message or "无法识别地址，请检查后重试")
        self.resolution = resolution
        self.status: str = resolution.status
        self.candidates = tuple(resolution.candidates)

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"address_{self.status}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "status": self.status, "resolution": self.resolution.to_dict()}


_STALE_REASONS = {
    "haier_unavailable": "海尔接口暂时无法访问",
    "haier_auth_failed": "海尔接口认证失败",
    "haier_business_error": "海尔接口拒绝了查询",
    "haier_protocol_error": "海尔接口返回了无法识别的数据",
    "haier_config_error": "海尔接口配置不完整",
}


def result_message(place: str, quantity: int, total: int, source: str, error: str | None, age: int) -> str:
    """The one-sentence Chinese answer shown with a result."""
    if source == "stale":
        reason = _STALE_REASONS.get(error or "", "海尔接口查询失败")
        return f"{reason}，以下是{age_text(age)}前查到的库存（{place}共 {total} 台），仅供参考。"
    if total >= quantity:
        return f"可以发货：{place}共有 {total} 台，满足 {quantity} 台的需求。"
    if total == 0:
        return f"{place}暂无库存。"
    return f"库存不足：{place}只有 {total} 台，不够 {quantity} 台。"


def age_text(seconds: int) -> str:
    """An age in the largest whole unit: "45 秒", "10 分钟", "3 小时", "2 天"."""
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    if seconds < 86400:
        return f"{seconds // 3600} 小时"
    return f"{seconds // 86400} 天"
