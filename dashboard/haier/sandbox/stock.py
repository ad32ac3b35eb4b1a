"""The sandbox's stock model: deterministic per (product, county, clock step), drifting from step to step.

Every figure comes from a sha256 digest of its inputs (never hash(), which is salted per process), so two sandbox
processes agree, and a test can predict an answer by asking for the same step twice.

Geography: each province has a higher-level warehouse (上级仓, grade "1") and each city a local one (本级仓, grade
"0"). About a quarter of counties have no local cover and are served by the provincial warehouse alone. A product
that is not purchasable in a province makes the stock call a business error (not an empty list), because Haier's
own notes reserve the empty list for "no stock", and the two must stay distinguishable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .catalogue import SandboxProduct

SHANGHAI = ZoneInfo("Asia/Shanghai")
CUT_TIME = "18:00"
LOCAL_ONLY_UPPER_SHARE = 0.25
REGION_BLOCKED_SHARE = 0.06
OUT_OF_STOCK_SHARE = 0.15
# Stock levels move slowly (every LEVEL_STEPS steps) and wiggle a little at every step.
LEVEL_STEPS = 6
REGION_BLOCKED_REASON = "该商品在当前区域暂不可采"


class NotPurchasable(Exception):
    """The product cannot be bought for delivery to this county; carries Haier's reason text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WarehouseStock:
    sec_code: str
    stock: int
    grade: str  # "0" 本级仓, "1" 上级仓
    hours: int
    is_transfer: bool
    delivery_by: datetime  # Asia/Shanghai

    def to_wire(self) -> dict[str, object]:
        return {
            "secCode": self.sec_code,
            "stock": str(self.stock),
            "warehouseGrade": self.grade,
            "timelinessData": {
                "cutTime": CUT_TIME,
                "achieveUserOrderCut": self.delivery_by.strftime("%Y-%m-%d %H:%M"),
                "hour": str(self.hours),
                "isTranfer": "1" if self.is_transfer else "0",
            },
        }


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for the given inputs."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _sec_code(kind: str, area: str) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    picks = [letters[int(unit(kind, area, n) * len(letters))] for n in range(2)]
    return f"H{picks[0]}{picks[1]}{int(unit(kind, area, 'digit') * 9) + 1}"


def warehouses_for(county_code: str) -> list[tuple[str, str]]:
    """(secCode, grade) of the warehouses that serve a county, higher-level first."""
    upper = (_sec_code("upper", county_code[:2]), "1")
    if unit("local-cover", county_code) < LOCAL_ONLY_UPPER_SHARE:
        return [upper]
    return [upper, (_sec_code("local", county_code[:4]), "0")]


def is_blocked_in_region(product_code: str, county_code: str) -> bool:
    return unit("region-blocked", product_code, county_code[:2]) < REGION_BLOCKED_SHARE


def quantity(product_code: str, sec_code: str, step: int) -> int:
    """Units of a product a warehouse holds at a clock step: the same warehouse answers alike for every county."""
    level_step = step // LEVEL_STEPS
    if unit("out-of-stock", product_code, sec_code, level_step) < OUT_OF_STOCK_SHARE:
        return 0
    level = 5 + int(unit("level", product_code, sec_code, level_step) * 80)
    wiggle = int(unit("wiggle", product_code, sec_code, step) * 9) - 4
    return max(0, level + wiggle)


def _delivery_by(step: int, drift_seconds: int, hours: int) -> datetime:
    # Anchored to the start of the step, not to "now", so one step always gives one answer.
    start = datetime.fromtimestamp(step * drift_seconds, tz=SHANGHAI)
    cut_hour, cut_minute = (int(part) for part in CUT_TIME.split(":"))
    cut = start.replace(hour=cut_hour, minute=cut_minute, second=0, microsecond=0)
    if start >= cut:
        cut += timedelta(days=1)
    return cut + timedelta(hours=hours)


def stock_rows(
    product: SandboxProduct, county_code: str, step: int, drift_seconds: int
) -> list[WarehouseStock]:
    """The warehouses that can serve `county_code` with their stock of `product` at `step`.

    Raises NotPurchasable when the product cannot be sold there at all.
    """
    if not product.is_sales:
        raise NotPurchasable(product.no_sales_reason or "商品暂不可采")
    if is_blocked_in_region(product.code, county_code):
        raise NotPurchasable(REGION_BLOCKED_REASON)
    rows = []
    for sec_code, grade in warehouses_for(county_code):
        if grade == "0":
            hours, transfer = 24, False
        else:
            hours = 48 if unit("hours", sec_code, county_code) < 0.6 else 72
            transfer = unit("transfer", sec_code, county_code) < 0.7
        rows.append(
            WarehouseStock(
                sec_code=sec_code,
                stock=quantity(product.code, sec_code, step),
                grade=grade,
                hours=hours,
                is_transfer=transfer,
                delivery_by=_delivery_by(step, drift_seconds, hours),
            )
        )
    return rows
