"""Rate limit, counters, run-time config and reset, through the Python API and /_sandbox."""

import time

import pytest
from _sandbox_wire import make_app

from dashboard.haier.sandbox import create_sandbox_app
from dashboard.haier.sandbox.state import max_in_window


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(state):
    clock = FakeMonotonic()
    state.monotonic = clock
    state.configure(rate_limit=5)
    return clock


def test_calls_beyond_the_limit_in_one_second_get_429_with_retry_after(gateway, state, limited):
    assert gateway.access_token  # the token call counts against the limit as well
    statuses = [gateway.call("balance").status_code for _ in range(5)]
    over = gateway.call("balance")

    assert statuses == [200, 200, 200, 200, 429]
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "1"
    assert state.counters()["calls"]["balance"] == {"ok": 4, "429": 2}


def test_window_slides_so_calls_pass_again_a_second_later(gateway, limited):
    assert gateway.access_token
    for _ in range(4):
        gateway.call("balance")
    assert gateway.call("balance").status_code == 429

    limited.now += 1.0

    assert gateway.call("balance").status_code == 200


def test_rejected_calls_do_not_use_up_the_window(gateway, limited):
    assert gateway.access_token
    for _ in range(20):
        gateway.call("balance")
    limited.now += 1.0

    assert [gateway.call("balance").status_code for _ in range(5)] == [200] * 5


def test_each_client_has_its_own_window(app, gateway, limited):
    assert gateway.access_token
    for _ in range(4):
        gateway.call("balance")
    stranger = app.test_client()

    assert gateway.call("balance").status_code == 429
    reply = stranger.post("/oauth2/auth", json={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert reply.status_code == 400


def test_rate_limit_zero_means_off(gateway, state):
    state.configure(rate_limit=0)

    assert all(gateway.call("balance").status_code == 200 for _ in range(150))


def test_default_rate_limit_is_haiers_100_per_second():
    # The suite's make_app turns the limit off; the app's own default is the contract's.
    assert create_sandbox_app().extensions["haier_sandbox"].settings.rate_limit == 100


def test_counters_count_calls_by_endpoint_and_outcome(app, gateway):
    gateway.call("stock")
    gateway.call("stock", countyCode="1")
    gateway.call("stock", sellerPassword="guess")
    gateway.call("prices", authorization="nope")

    counters = app.test_client().get("/_sandbox/counters").json

    assert counters["calls"]["stock"] == {"ok": 1, "400": 1, "business_error": 1}
    assert counters["calls"]["prices"] == {"401": 1}
    assert counters["totals"]["stock"] == 3
    assert counters["tokens_issued"] == 1
    assert len(counters["recent_calls"]["stock"]) == 3
    assert set(counters["calls"]) == {"token", "products", "prices", "stock", "logistics", "balance"}


def test_max_calls_per_second_lets_tests_check_the_rate_was_kept(state, limited):
    for offset in (0.0, 0.2, 0.4, 0.99, 1.0, 1.5):
        limited.now = 1000.0 + offset
        state.record_arrival("stock")

    assert state.counters()["max_calls_per_second"] == 4


def test_max_in_window_counts_the_busiest_second():
    assert max_in_window([], 1.0) == 0
    assert max_in_window([0.0, 0.5, 0.9, 1.0, 1.95], 1.0) == 3


def test_config_endpoint_changes_knobs_and_refuses_unknown_ones(app):
    control = app.test_client()

    changed = control.post("/_sandbox/config", json={"latency_ms": 5, "rate_limit": 50, "token_ttl": 2})

    assert changed.status_code == 200
    assert (changed.json["latency_ms"], changed.json["rate_limit"], changed.json["token_ttl"]) == (5, 50, 2)
    assert control.post("/_sandbox/config", json={"client_secret": "x"}).status_code == 400
    assert control.post("/_sandbox/config", json={"auth_scheme": "basic"}).status_code == 400


def test_short_ttl_from_config_shows_in_the_token_reply(app, gateway):
    app.test_client().post("/_sandbox/config", json={"token_ttl": 2})

    assert gateway.token().json["expires_in"] == 2


def test_reset_clears_faults_counters_clock_and_config(app, gateway, state):
    control = app.test_client()
    gateway.call("balance")
    control.post("/_sandbox/faults", json={"mode": "500", "rate": 1})
    control.post("/_sandbox/config", json={"auth_scheme": "bearer"})
    control.post("/_sandbox/clock", json={"advance_steps": 3})

    control.post("/_sandbox/reset")

    assert state.faults() == []
    assert state.counters()["totals"]["balance"] == 0
    assert state.settings.auth_scheme == "any"
    assert control.get("/_sandbox/clock").json["offset_seconds"] == 0
    assert gateway.call("balance").status_code == 200


def test_clock_endpoint_reports_and_moves_steps(app):
    control = app.test_client()
    control.post("/_sandbox/clock", json={"freeze": True})
    before = control.get("/_sandbox/clock").json

    after = control.post("/_sandbox/clock", json={"advance_steps": 2}).json

    assert after["step"] == before["step"] + 2
    assert after["frozen"] is True
    assert control.post("/_sandbox/clock", json={"advance_steps": "two"}).status_code == 400


def test_control_endpoints_can_be_switched_off():
    app = make_app(control=False)

    assert app.test_client().get("/_sandbox/counters").status_code == 404


def test_latency_setting_delays_each_call(gateway, state):
    state.configure(latency_ms=30)
    started = time.perf_counter()
    gateway.call("balance")

    assert time.perf_counter() - started >= 0.03
