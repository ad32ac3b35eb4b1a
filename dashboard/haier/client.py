"""HaierAPI: dashboard's only code that speaks Haier's HTTP. Typed results in, typed errors out."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

import requests

from . import parsing, validation
from .auth import TokenFetcher
from .errors import HaierAuthError, HaierBusinessError
from .masking import mask_text
from .observers import CallRecord, CallRecorder, Observer
from .parsing import Unreadable
from .ratelimit import RateLimiter, shared_rate_limiter
from .settings import HaierSettings
from .token import (
    TokenInfo,
    TokenStore,
    shared_token_store,
)
from .transport import Reply, Transport, make_session
from .types import AccountBalance, HaierPrice, HaierProduct, LogisticsInfo, StockResult

logger = logging.getLogger("dashboard.haier")

BATCH_SIZE = 20  # Haier refuses more than 20 product codes per call
PATHS = {
    "get_products": "/yilihuo/jsh-service-goods-mall-search/api/product-info/"
    "procurable-products-out/check-procurable-products",
    "get_product_prices": "/yilihuo/jsh-service-goods-price/api/goods-price/price-daily-sales/"
    "price-query/pt-out-list-price",
    "check_stock": "/yilihuo/jsh-service-stock-mall/api/page/stock/get-available-stock-open",
    "get_logistics_info": "/yilihuo/ylh-cloud-service-stock/api/page/stock/logistics/sass/"
    "get-thirdparty-logistics-info-by-order-code-auth",
    "get_account_balance": "/yilihuo/jsh-service-finance-mall/api/page/account/"
    "account-balance-manager/get-payer-account-balance-by-customer-code",
}
T = TypeVar("T")


class HaierAPI:
    def __init__(
        self,
        settings: HaierSettings,
        *,
        session: requests.Session | None = None,
        token_store: TokenStore | None = None,
        rate_limiter: RateLimiter | None = None,
        observers: Iterable[Observer] = (),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._owns_session = session is None
        self.session = session if session is not None else make_session()
        self.token_store = token_store or shared_token_store(
            settings.token_url, settings.client_id, settings.redis_url
        )
        self.rate_limiter = rate_limiter or shared_rate_limiter(
            (settings.base_url, settings.client_id), settings.rate_limit_per_second
        )
        # A list is kept by reference so observers registered after construction still hear calls.
        self.observers = observers if isinstance(observers, list) else list(observers)
        self._clock = clock
        self._wall = wall_clock
        self._last_token: str | None = None
        self._transport = Transport(
            session=self.session,
            rate_limiter=self.rate_limiter,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_attempts=settings.max_attempts,
            deadline_seconds=settings.deadline_seconds,
            secrets=self._secrets,
            clock=clock,
            sleep=sleep,
            jitter=jitter,
        )
        self._token_fetcher = TokenFetcher(settings, self._transport, wall_clock)

    @classmethod
    def from_settings(cls, mapping: Mapping[str, Any], **kwargs: Any) -> HaierAPI:
        return cls(HaierSettings.from_mapping(mapping), **kwargs)

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"HaierAPI(base_url={s.base_url!r}, client_id={s.client_id!r}, "
            f"customer_code={s.customer_code!r}, auth_scheme={s.auth_scheme!r})"
        )

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public calls ------------------------------------------------------------------------

    def authenticate(self) -> str:
        """Fetch a new token now (replacing the shared one) and return it."""
        self._require_credentials()
        token = self.token_store.get(self._fetch_token, force=True)
        self._last_token = token
        return token

    def ensure_token(self) -> bool:
        """Make sure a usable token is held, fetching one only when none is; True when it fetched.

        For health checks: a cached token answers at once, so probing does not cost a fetch per probe.
        """
        self._require_credentials()
        fetched = False

        def fetch() -> TokenInfo:
            nonlocal fetched
            fetched = True
            return self._fetch_token()

        self._last_token = self.token_store.get(fetch)
        return fetched

    def check_stock(self, product_code: str, county_code: str, source: str = "JSH-B") -> StockResult:
        """Per-warehouse stock of one product for one county; an empty list is a real zero."""
        name = "check_stock"
        code = validation.product_code(product_code, name)
        county = validation.county_code(county_code, name)
        payload = {
            "salesCode": self.settings.require("customer_code"),
            "senderCode": self.settings.require("send_to_code"),
            "productCode": code,
            "countyCode": county,
            "source": validation.required_text(source, "source", name),
            "sellerPassword": self.settings.require("seller_password"),
        }
        rows = self._exchange(name, payload, _rows(parsing.warehouse), product_code=code, county_code=county)
        rows.sort(key=lambda w: w.sort_key())
        return StockResult(
            product_code=code,
            county_code=county,
            warehouses=rows,
            total=sum(w.stock for w in rows),
            checked_at=datetime.fromtimestamp(self._wall(), UTC),
        )

    def get_products(self, product_codes: Iterable[str] | None = None) -> list[HaierProduct]:
        """Purchasable-product data. ``None`` asks for every product; a list is batched by 20.

        Results come back in the order of ``product_codes``; codes Haier does not know are absent.
        """
        name = "get_products"
        base = {
            "customerCode": self.settings.require("customer_code"),
            "sendToCode": self._send_to_code(),
            "supplierCode": self.settings.supplier_code,
            "searchType": "PTJSH",
            "passWord": self.settings.require("password"),
        }
        if product_codes is None:
            return self._exchange(name, base, _rows(parsing.product))
        codes = validation.product_codes(product_codes, name)
        return self._batched(name, base, codes, parsing.product)

    def get_product_prices(self, product_codes: Iterable[str]) -> list[HaierPrice]:
        """Purchase prices matched to products by code (never by position), batched by 20."""
        name = "get_product_prices"
        codes = validation.product_codes(product_codes, name)
        base = {
            "customerCode": self.settings.require("customer_code"),
            "sendToCode": self._send_to_code(),
            "priceType": "PT",
            "passWord": self.settings.require("password"),
        }
        return self._batched(name, base, codes, parsing.price)

    def get_logistics_info(
        self,
        order_code: str,
        delivery_record_code: str | None = None,
        member_id: int | None = None,
    ) -> LogisticsInfo:
        name = "get_logistics_info"
        order = validation.required_text(order_code, "order_code", name)
        payload: dict[str, Any] = {"orderCode": order}
        record_code = validation.optional_text(delivery_record_code, "delivery_record_code", name)
        if record_code is not None:
            payload["deliveryRecordCode"] = record_code
        member = validation.optional_member_id(member_id, name)
        if member is not None:
            payload["memberId"] = member
        payload["sellerCode"] = self.settings.require("customer_code")
        payload["sellerPassword"] = self.settings.require("seller_password")
        return self._exchange(name, payload, lambda data: parsing.logistics(order, data))

    def get_account_balance(self) -> list[AccountBalance]:
        name = "get_account_balance"
        payload = {
            "customerCode": self.settings.require("customer_code"),
            "customerPassword": self.settings.require("seller_password"),
        }
        return self._exchange(name, payload, _rows(parsing.balance))

    # -- machinery ---------------------------------------------------------------------------

    def _batched(self, name: str, base: dict, codes: list[str], parse: Callable[[dict], T]) -> list[T]:
        merged: dict[str, T] = {}
        for start in range(0, len(codes), BATCH_SIZE):
            batch = codes[start : start + BATCH_SIZE]
            wanted = set(batch)
            for item in self._exchange(name, {**base, "productCodes": batch}, _rows(parse)):
                if item.code in wanted:
                    merged.setdefault(item.code, item)
                else:
                    logger.warning(
                        "haier %s answered an unrequested product %s; ignored",
                        name,
                        item.code,
                    )
        return [merged[c] for c in codes if c in merged]

    def _exchange(self, name: str, payload: dict, parse: Callable[[Any], T], **codes: str | None) -> T:
        """One recorded call: POST, unwrap the envelope, read ``data``; unreadable data is a protocol error."""
        with self._record(name, **codes) as record:
            reply, data = self._call(name, payload, record)
            try:
                return parse(data)
            except Unreadable as exc:
                raise self._transport.protocol_error(str(exc), reply.raw, reply.status, name) from None

    def _call(self, name: str, payload: dict, record: CallRecord) -> tuple[Reply, Any]:
        url = self.settings.base_url + PATHS[name]
        token = self._token()
        reply = self._transport.post(url, payload, self._auth_header(token), record)
        if reply.status == 401:
            # The token may have been revoked or expired early: one fresh token, one repeat.
            token = self._token(stale=token)
            reply = self._transport.post(url, payload, self._auth_header(token), record)
            if reply.status == 401:
                raise HaierAuthError("token refused twice (401)", status=401, endpoint=name)
        try:
            success, data, message = parsing.unwrap(reply.body)
        except Unreadable as exc:
            raise self._transport.protocol_error(str(exc), reply.raw, reply.status, name) from None
        if not success:
            text = mask_text(message, self._secrets()) if message else "success:false without a message"
            raise HaierBusinessError(text, status=reply.status, endpoint=name)
        return reply, data

    def _record(self, name: str, **codes: str | None) -> CallRecorder:
        if name != "token":
            # Missing credentials are a configuration problem, raised before any call is recorded.
            self._require_credentials()
        return CallRecorder(
            name,
            observers=self.observers,
            clock=self._clock,
            secrets=self._secrets,
            **codes,
        )

    def _token(self, stale: str | None = None) -> str:
        token = self.token_store.get(self._fetch_token, stale=stale)
        self._last_token = token
        return token

    def _auth_header(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}" if self.settings.auth_scheme == "bearer" else token}

    def _fetch_token(self) -> TokenInfo:
        with self._record("token") as record:
            return self._token_fetcher.fetch(record)

    def _require_credentials(self) -> None:
        self.settings.require("client_id")
        self.settings.require("client_secret")

    def _send_to_code(self) -> str:
        # Haier requires the ship-to code whenever the supplier is 1001 (海尔智家).
        if self.settings.supplier_code == "1001":
            return self.settings.require("send_to_code")
        return self.settings.send_to_code or ""

    def _secrets(self) -> tuple[str, ...]:
        return (
            *self.settings.secrets,
            *((self._last_token,) if self._last_token else ()),
        )


def _rows(parse: Callable[[dict], T]) -> Callable[[Any], list[T]]:
    """A reader of ``data`` as rows, each converted by ``parse``."""
    return lambda data: [parse(row) for row in parsing.as_rows(data)]
