"""Shared fakes for the Haier client unit tests (imported by the test_client_* modules)."""

from __future__ import annotations

import jwt

from dashboard.haier import HaierAPI, HaierSettings, LocalTokenStore, RateLimiter

BASE = "https://haier.test"
TOKEN_URL = f"{BASE}/oauth2/auth"
WALL_START = 1_760_000_000.0
CLIENT_SECRET = "client-secret-XYZ"
PASSWORD = "agreed-pass-777"
SELLER_PASSWORD = "seller-pass-888"
CONFIG = {
    "HAIER_BASE_URL": BASE,
    "HAIER_CLIENT_ID": "client-1",
    "HAIER_CLIENT_SECRET": CLIENT_SECRET,
    "HAIER_CUSTOMER_CODE": "8800633175",
    "HAIER_SEND_TO_CODE": "8800633176",
    "HAIER_PASSWORD": PASSWORD,
    "HAIER_SELLER_PASSWORD": SELLER_PASSWORD,
}
STOCK_URL = f"{BASE}/yilihuo/jsh-service-stock-mall/api/page/stock/get-available-stock-open"
PRODUCTS_URL = (
    f"{BASE}/yilihuo/jsh-service-goods-mall-search/api/product-info/"
    "procurable-products-out/check-procurable-products"
)
PRICES_URL = (
    f"{BASE}/yilihuo/jsh-service-goods-price/api/goods-price/price-daily-sales/price-query/pt-out-list-price"
)
LOGISTICS_URL = (
    f"{BASE}/yilihuo/ylh-cloud-service-stock/api/page/stock/logistics/sass/"
    "get-thirdparty-logistics-info-by-order-code-auth"
)
BALANCE_URL = (
    f"{BASE}/yilihuo/jsh-service-finance-mall/api/page/account/"
    "account-balance-manager/get-payer-account-balance-by-customer-code"
)


class FakeClock:
    """Monotonic and wall clock in one; ``sleep`` advances time instead of waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_jwt(exp: float, key: str = "k1") -> str:
    return jwt.encode({"key": key, "extend": {"c": 1}, "exp": int(exp)}, "s" * 64, "HS512")


def make_client(clock: FakeClock | None = None, records: list | None = None, **config) -> HaierAPI:
    clock = clock or FakeClock()
    settings = HaierSettings.from_mapping({**CONFIG, **config})
    return HaierAPI(
        settings,
        token_store=LocalTokenStore(wall_clock=clock.wall),
        rate_limiter=RateLimiter(10_000, burst=10_000, clock=clock),
        observers=[records.append] if records is not None else (),
        clock=clock,
        sleep=clock.sleep,
        wall_clock=clock.wall,
        jitter=lambda: 1.0,
    )


def ok(data) -> dict:
    return {"success": True, "data": data}


def mock_token(requests_mock, token: str = "tok-1", **extra):
    return requests_mock.post(TOKEN_URL, json={"access_token": token, **extra})
