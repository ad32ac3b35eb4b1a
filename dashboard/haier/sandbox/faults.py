"""Fault injection: what can go wrong, for which calls, and how a healthy answer is bent into a faulty one.

Two kinds of fault:
- transport faults (401, 429, 5xx, hang, drop, malformed) answer instead of the gateway, before authentication
  and validation, as a broken front end would;
- shape faults (business_error, data_null, data_empty, data_object, strings_and_blanks) bend an answer that would
  have succeeded; they are only drawn for such calls, so "count": N means N calls that really came out odd.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

TRANSPORT_MODES = ("401", "429", "500", "502", "503", "hang", "drop", "malformed")
SHAPE_MODES = (
    "business_error",
    "data_null",
    "data_empty",
    "data_object",
    "strings_and_blanks",
)
MODES = TRANSPORT_MODES + SHAPE_MODES
ENDPOINTS = ("token", "products", "prices", "stock", "logistics", "balance")
DEFAULT_HANG_SECONDS = 35.0
FAULT_ERROR_MESSAGE = "系统繁忙，请稍后重试"
# Optional figures that the strings_and_blanks fault empties: Haier leaves such fields blank in some replies.
BLANKABLE_FIELDS = frozenset({"rebateMoney", "stockRebatePolicy", "hour"})


@dataclass
class Fault:
    mode: str
    rate: float | None = None
    count: int | None = None
    endpoints: frozenset[str] | None = None
    product_codes: frozenset[str] | None = None
    hang_seconds: float = DEFAULT_HANG_SECONDS
    fired: int = 0

    @classmethod
    def build(
        cls,
        mode: str,
        *,
        rate: float | None = None,
        count: int | None = None,
        endpoints: Iterable[str] | None = None,
        product_codes: Iterable[str] | None = None,
        hang_seconds: float | None = None,
    ) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; expected one of {MODES}")
        if (rate is None) == (count is None):
            raise ValueError("give exactly one of rate (0..1) or count (next N calls)")
        if rate is not None and not 0 <= float(rate) <= 1:
            raise ValueError(f"rate must be within 0..1, got {rate!r}")
        if count is not None and (isinstance(count, bool) or int(count) < 1):
            raise ValueError(f"count must be a positive integer, got {count!r}")
        endpoint_set = None if endpoints is None else frozenset(endpoints)
        if endpoint_set is not None and not endpoint_set <= set(ENDPOINTS):
            raise ValueError(
                f"unknown endpoints {sorted(endpoint_set - set(ENDPOINTS))}; expected {ENDPOINTS}"
            )
        if mode in SHAPE_MODES and endpoint_set is not None and "token" in endpoint_set:
            raise ValueError(f"{mode!r} bends business envelopes; the token endpoint has none")
        if hang_seconds is not None and float(hang_seconds) < 0:
            raise ValueError(f"hang_seconds must not be negative, got {hang_seconds!r}")
        return cls(
            mode=mode,
            rate=None if rate is None else float(rate),
            count=None if count is None else int(count),
            endpoints=endpoint_set,
            product_codes=None if product_codes is None else frozenset(product_codes),
            hang_seconds=DEFAULT_HANG_SECONDS if hang_seconds is None else float(hang_seconds),
        )

    @property
    def is_transport(self) -> bool:
        return self.mode in TRANSPORT_MODES

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def applies_to(self, endpoint: str, product_codes: Collection[str]) -> bool:
        if self.exhausted:
            return False
        if self.endpoints is not None and endpoint not in self.endpoints:
            return False
        # A product filter only matches calls that name one of those products.
        return self.product_codes is None or bool(self.product_codes.intersection(product_codes))

    def fires(self, rng: random.Random) -> bool:
        """Decide (and record) whether this call is hit. The caller holds the sandbox lock."""
        if self.count is not None:
            self.fired += 1
            return True
        if rng.random() < (self.rate or 0.0):
            self.fired += 1
            return True
        return False

    def describe(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rate": self.rate,
            "count": self.count,
            "endpoints": None if self.endpoints is None else sorted(self.endpoints),
            "product_codes": None if self.product_codes is None else sorted(self.product_codes),
            "hang_seconds": self.hang_seconds,
            "fired": self.fired,
        }


def _stringify(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_stringify(item) for item in value]
    if isinstance(value, dict):
        return {key: "" if key in BLANKABLE_FIELDS else _stringify(item) for key, item in value.items()}
    return value


def reshape(mode: str, body: dict[str, Any]) -> dict[str, Any]:
    """The envelope a shape fault turns a successful `body` into."""
    data = body.get("data")
    if mode == "business_error":
        return {"success": False, "errorMsg": FAULT_ERROR_MESSAGE, "data": None}
    if mode == "data_null":
        return {**body, "data": None}
    if mode == "data_empty":
        return {**body, "data": []}
    if mode == "data_object":
        if isinstance(data, list):
            return {**body, "data": data[0] if data else {}}
        return body
    if mode == "strings_and_blanks":
        return {**body, "data": _stringify(data)}
    raise ValueError(f"{mode!r} is not a shape fault")
