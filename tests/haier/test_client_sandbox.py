"""The real client against the sandbox over HTTP on loopback: the two halves agree on the wire."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import requests

from dashboard.haier import (
    HaierAPI,
    HaierAuthError,
    HaierBusinessError,
    HaierProtocolError,
    HaierUnavailable,
    LocalTokenStore,
    RateLimiter,
    StockResult,
)
from dashboard.haier.ratelimit import pacing_for_limit
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.haier.sandbox.catalogue import catalogue
from tests.conftest import SANDBOX_TEST_SETTINGS, haier_settings_for

COUNTY = "110105"
CODES = [p.code for p in catalogue(SANDBOX_TEST_SETTINGS["HAIER_SANDBOX_CATALOGUE_SIZE"])]


class Control:
    """The sandbox's test-only control endpoints, spoken over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/_sandbox"

    def config(self, **settings) -> None:
        requests.post(f"{self.url}/config", json=settings, timeout=5).raise_for_status()

    def fault(self, mode: str, **knobs) -> None:
        if "rate" not in knobs:
            knobs.setdefault("count", 1)
        requests.post(f"{self.url}/faults", json={"mode": mode, **knobs}, timeout=5).raise_for_status()

    def expire_tokens(self) -> None:
        requests.post(f"{self.url}/tokens/expire", timeout=5).raise_for_status()

    def counters(self) -> dict:
        return requests.get(f"{self.url}/counters", timeout=5).json()


@pytest.fixture
def control(sandbox) -> Control:
    return Control(sandbox.url)


@pytest.fixture
def make_client(sandbox):
    """A client of its own (token, limiter) pointed at the sandbox; sleeps are recorded, not slept."""
    made = []

    def build(*, real_sleep: bool = False, wall_clock=time.time, **config) -> HaierAPI:
        sleeps: list[float] = []
        client = HaierAPI.from_settings(
            {**haier_settings_for(sandbox), **config},
            token_store=LocalTokenStore(wall_clock=wall_clock),
            rate_limiter=pacing_for_limit(100) if real_sleep else RateLimiter(1000, burst=1000),
            sleep=time.sleep if real_sleep else sleeps.append,
            wall_clock=wall_clock,
        )
        client.sleeps = sleeps
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


def test_check_stock(make_client, control):
    result = make_client().check_stock(CODES[0], COUNTY)
    assert isinstance(result, StockResult)
    assert result.total == sum(w.stock for w in result.warehouses)
    assert all(w.grade is not None for w in result.warehouses)
    counters = control.counters()
    assert counters["calls"]["stock"] == {"ok": 1}
    assert counters["tokens_issued"] == 1


def test_products_and_prices_in_batches_of_20(make_client, control):
    client = make_client()
    codes = CODES[:45]
    products = client.get_products(codes)
    prices = client.get_product_prices(codes)
    assert [p.code for p in products] == codes
    assert [p.code for p in prices] == codes
    assert all(isinstance(p.supply_price, Decimal) for p in prices if p.supply_price is not None)
    totals = control.counters()["totals"]
    assert (totals["products"], totals["prices"]) == (3, 3)


def test_logistics_and_balance(make_client):
    client = make_client()
    info = client.get_logistics_info("SO.20190106.000003", "SO.20190106.000003.F1", 7)
    assert info.order_code == "SO.20190106.000003"
    balances = client.get_account_balance()
    assert balances and all(isinstance(b.balance, Decimal) for b in balances)


@pytest.mark.parametrize("field", ["access_token", "token", "data.access_token", "data.token"])
def test_each_token_field(make_client, control, field):
    control.config(token_field=field)
    assert make_client().check_stock(CODES[0], COUNTY).product_code == CODES[0]


def test_token_path_fallback(make_client, control):
    control.config(token_paths=["token"])
    client = make_client()
    client.check_stock(CODES[0], COUNTY)
    assert control.counters()["tokens_issued"] == 1


@pytest.mark.parametrize(("sandbox_scheme", "client_scheme"), [("bare", "bare"), ("bearer", "bearer")])
def test_auth_scheme_agrees(make_client, control, sandbox_scheme, client_scheme):
    control.config(auth_scheme=sandbox_scheme)
    make_client(HAIER_AUTH_SCHEME=client_scheme).check_stock(CODES[0], COUNTY)


def test_wrong_auth_scheme_is_an_auth_error_after_one_refresh(make_client, control):
    control.config(auth_scheme="bare")
    with pytest.raises(HaierAuthError):
        make_client(HAIER_AUTH_SCHEME="bearer").check_stock(CODES[0], COUNTY)
    counters = control.counters()
    assert (counters["tokens_issued"], counters["calls"]["stock"]) == (2, {"401": 2})


def test_bad_credentials(make_client):
    with pytest.raises(HaierAuthError):
        make_client(HAIER_CLIENT_SECRET="wrong-secret").authenticate()


@pytest.mark.parametrize("mode", ["502", "503", "429", "drop"])
def test_transient_faults_are_retried(make_client, control, mode):
    control.fault(mode, count=2, endpoints=["stock"])
    client = make_client()
    assert client.check_stock(CODES[0], COUNTY).product_code == CODES[0]
    assert control.counters()["calls"]["stock"] == {f"fault:{mode}": 2, "ok": 1}


def test_retry_after_from_the_sandbox_is_honoured(make_client, control):
    control.fault("429", count=1, endpoints=["stock"])
    client = make_client()
    client.check_stock(CODES[0], COUNTY)
    assert client.sleeps and client.sleeps[0] >= 1.0


def test_hang_past_the_read_timeout_is_retried(make_client, control):
    control.fault("hang", count=1, endpoints=["stock"], hang_seconds=5)
    client = make_client(HAIER_READ_TIMEOUT=0.3)
    assert client.check_stock(CODES[0], COUNTY).product_code == CODES[0]


def test_hang_every_time_is_unavailable(make_client, control):
    control.fault("hang", rate=1, endpoints=["stock"], hang_seconds=5)
    with pytest.raises(HaierUnavailable) as info:
        make_client(HAIER_READ_TIMEOUT=0.2, HAIER_MAX_ATTEMPTS=2).check_stock(CODES[0], COUNTY)
    assert (info.value.reason, info.value.attempts) == ("timeout", 2)


@pytest.mark.parametrize(
    ("mode", "error"),
    [("500", HaierUnavailable), ("malformed", HaierProtocolError), ("business_error", HaierBusinessError)],
)
def test_non_retryable_faults(make_client, control, mode, error):
    control.fault(mode, count=1, endpoints=["stock"])
    with pytest.raises(error):
        make_client().check_stock(CODES[0], COUNTY)
    assert control.counters()["totals"]["stock"] == 1


def test_401_fault_refreshes_the_token_once(make_client, control):
    control.fault("401", count=1, endpoints=["stock"])
    make_client().check_stock(CODES[0], COUNTY)
    assert control.counters()["tokens_issued"] == 2


@pytest.mark.parametrize(("mode", "rows"), [("data_null", 0), ("data_empty", 0), ("data_object", None)])
def test_data_shapes(make_client, control, mode, rows):
    control.fault(mode, count=1, endpoints=["stock"])
    result = make_client().check_stock(CODES[0], COUNTY)
    if rows is None:
        assert len(result.warehouses) == 1
    else:
        assert (result.warehouses, result.total) == ([], 0)


def test_strings_and_blanks_are_read(make_client, control):
    control.fault("strings_and_blanks", rate=1)
    client = make_client()
    assert client.check_stock(CODES[0], COUNTY).total >= 0
    assert len(client.get_product_prices(CODES[:3])) == 3


def run_in_threads(n: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run():
        start.wait()
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_sixteen_threads_get_one_new_token_when_the_token_is_revoked(make_client, control):
    client = make_client(real_sleep=True)
    client.check_stock(CODES[0], COUNTY)
    control.expire_tokens()
    errors = run_in_threads(16, lambda: client.check_stock(CODES[0], COUNTY))
    assert errors == []
    counters = control.counters()
    assert counters["tokens_issued"] == 2
    assert counters["calls"]["stock"]["ok"] == 17


def test_sixteen_threads_get_one_new_token_when_the_token_falls_due(make_client, control):
    offset = [0.0]
    client = make_client(real_sleep=True, wall_clock=lambda: time.time() + offset[0])
    client.check_stock(CODES[0], COUNTY)
    offset[0] = 3000.0  # past the refresh point of a one-hour token, before its exp
    errors = run_in_threads(16, lambda: client.check_stock(CODES[0], COUNTY))
    assert errors == []
    counters = control.counters()
    assert counters["tokens_issued"] == 2
    assert counters["calls"]["stock"] == {"ok": 17}


def test_the_sandbox_settings_give_a_client_config_that_reaches_it(sandbox):
    settings = get_sandbox_state(sandbox.app).settings
    config = settings.client_config(sandbox.url)
    assert config["HAIER_CLIENT_SECRET"] == settings.client_secret
    with HaierAPI.from_settings(config, token_store=LocalTokenStore()) as client:
        assert client.settings.token_url == f"{sandbox.url}/oauth2/auth"
        assert client.check_stock(CODES[0], COUNTY).product_code == CODES[0]
