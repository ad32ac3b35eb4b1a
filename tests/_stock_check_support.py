"""Shared by the stock-check tests: pick sandbox products whose answer for a county is known in advance."""

from __future__ import annotations

from dashboard.haier.sandbox import get_sandbox_state
from dashboard.haier.sandbox.catalogue import catalogue
from dashboard.haier.sandbox.stock import NotPurchasable, stock_rows
from tests.conftest import SANDBOX_TEST_SETTINGS

CHAOYANG = "110105"
SANDBOX_PRODUCTS = catalogue(size=SANDBOX_TEST_SETTINGS["HAIER_SANDBOX_CATALOGUE_SIZE"])


def expected_total(sandbox, code: str, county_code: str = CHAOYANG) -> int | None:
    """The stock the sandbox will answer now (None: not purchasable there). Freeze its clock first."""
    state = get_sandbox_state(sandbox.app)
    product = next(p for p in SANDBOX_PRODUCTS if p.code == code)
    try:
        rows = stock_rows(product, county_code, state.step(), state.settings.drift_seconds)
    except NotPurchasable:
        return None
    return sum(row.stock for row in rows)


def pick_code(sandbox, county_code: str = CHAOYANG, *, stock: str = "some", warehouses: int = 1) -> str:
    """A sandbox product code whose answer for `county_code` is: "some" stock, "none" (zero) or "blocked"."""
    state = get_sandbox_state(sandbox.app)
    state.freeze_clock()
    for product in SANDBOX_PRODUCTS:
        try:
            rows = stock_rows(product, county_code, state.step(), state.settings.drift_seconds)
        except NotPurchasable:
            if stock == "blocked":
                return product.code
            continue
        total = sum(row.stock for row in rows)
        if len(rows) < warehouses:
            continue
        if (stock == "some" and total > 0) or (stock == "none" and total == 0):
            return product.code
    raise LookupError(f"no sandbox product with {stock} stock for {county_code}")
