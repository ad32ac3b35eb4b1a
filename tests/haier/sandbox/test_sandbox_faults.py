"""Fault injection: every mode, by rate and by count, filtered by endpoint and by product."""

import json

import pytest
from _sandbox_wire import valid_body

from dashboard.haier.sandbox.catalogue import catalogue
from dashboard.haier.sandbox.views import SandboxConnectionDropped

PRODUCTS = catalogue(300)


@pytest.fixture(autouse=True)
def _token_before_faults(gateway):
    # Take the token first so a fault aimed at every endpoint hits the business call under test.
    assert gateway.access_token


@pytest.mark.parametrize(
    ("mode", "status"),
    [("401", 401), ("429", 429), ("500", 500), ("502", 502), ("503", 503)],
)
def test_status_faults_answer_with_their_status(gateway, state, mode, status):
    state.set_fault(mode, count=1)

    reply = gateway.call("balance")

    assert reply.status_code == status
    assert state.counters()["calls"]["balance"] == {f"fault:{mode}": 1}


def test_429_and_503_faults_send_retry_after(gateway, state):
    for mode in ("429", "503"):
        state.set_fault(mode, count=1)
        assert gateway.call("balance").headers["Retry-After"] == "1"


def test_502_fault_answers_html_as_a_proxy_would(gateway, state):
    state.set_fault("502", count=1)

    reply = gateway.call("balance")

    assert reply.mimetype == "text/html"


def test_malformed_fault_sends_json_that_does_not_parse(gateway, state):
    state.set_fault("malformed", count=1)

    reply = gateway.call("balance")

    assert reply.status_code == 200
    assert reply.mimetype == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.get_data(as_text=True))


def test_hang_fault_waits_hang_seconds_then_gives_up_with_504(gateway, state):
    state.set_fault("hang", count=1, hang_seconds=0.01)

    assert gateway.call("balance").status_code == 504


def test_hang_fault_is_released_at_once_when_the_sandbox_stops(gateway, state):
    state.set_fault("hang", count=1, hang_seconds=3600)
    state.stop_event.set()

    assert gateway.call("balance").status_code == 504


def test_drop_fault_in_process_raises_since_there_is_no_socket_to_close(app, gateway, state):
    app.testing = True
    state.set_fault("drop", count=1)

    with pytest.raises(SandboxConnectionDropped):
        gateway.call("balance")


def test_business_error_fault_is_success_false_with_an_error_message(gateway, state):
    state.set_fault("business_error", count=1)

    reply = gateway.call("balance")

    assert reply.status_code == 200
    assert reply.json["success"] is False
    assert reply.json["errorMsg"]
    assert reply.json["data"] is None


@pytest.mark.parametrize(("mode", "data"), [("data_null", None), ("data_empty", [])])
def test_data_null_and_empty_faults(gateway, state, mode, data):
    state.set_fault(mode, count=1)

    reply = gateway.call("stock")

    assert reply.json == {"success": True, "data": data}


def test_data_object_fault_sends_the_first_row_alone(gateway, state):
    rows = gateway.call("balance").json["data"]
    state.set_fault("data_object", count=1)

    assert gateway.call("balance").json["data"] == rows[0]


def test_strings_and_blanks_fault_sends_numbers_as_strings_and_blanks_optional_ones(gateway, state):
    product = next(p for p in PRODUCTS if p.is_sales and p.price_effective)
    state.set_fault("strings_and_blanks", count=1)

    [row] = gateway.call("prices", productCodes=[product.code]).json["data"]

    assert row["supplyPrice"] == str(float(product.supply_price))
    assert row["invoicePrice"] == str(float(product.invoice_price))
    assert row["rebateMoney"] == ""
    assert row["stockRebatePolicy"] == ""


def test_count_fault_hits_exactly_the_next_n_calls(gateway, state):
    state.set_fault("500", count=2)

    statuses = [gateway.call("balance").status_code for _ in range(4)]

    assert statuses == [500, 500, 200, 200]


def test_shape_fault_count_only_spends_on_calls_that_would_have_succeeded(gateway, state):
    state.set_fault("data_null", count=1)

    assert gateway.call("balance", customerPassword="guess").json["success"] is False
    assert gateway.call("balance").json["data"] is None
    assert gateway.call("balance").json["data"]


@pytest.mark.parametrize(("rate", "expected"), [(0.0, 0), (1.0, 40)])
def test_rate_fault_extremes(gateway, state, rate, expected):
    state.set_fault("503", rate=rate)

    hits = sum(gateway.call("balance").status_code == 503 for _ in range(40))

    assert hits == expected


def test_rate_fault_hits_about_that_share_of_calls(gateway, state):
    state.set_fault("500", rate=0.3)

    hits = sum(gateway.call("balance").status_code == 500 for _ in range(200))

    assert 30 <= hits <= 90


def test_endpoint_filter_limits_the_fault_to_those_endpoints(gateway, state):
    state.set_fault("500", rate=1.0, endpoints=["stock"])

    assert gateway.call("balance").status_code == 200
    assert gateway.call("stock").status_code == 500


def test_token_endpoint_can_fail_too(gateway, state):
    state.set_fault("503", count=1, endpoints=["token"])

    assert gateway.token().status_code == 503
    assert gateway.token().status_code == 200


def test_product_filter_limits_the_fault_to_calls_naming_those_products(gateway, state):
    target, other = PRODUCTS[0].code, PRODUCTS[1].code
    state.set_fault("business_error", rate=1.0, product_codes=[target])

    assert gateway.call("stock", productCode=other).json["success"] is True
    assert gateway.call("stock", productCode=target).json["success"] is False
    assert gateway.call("prices", productCodes=[other, target]).json["success"] is False
    assert gateway.call("balance").json["success"] is True


def test_first_matching_fault_wins_and_faults_can_be_cleared(gateway, state):
    state.set_fault("502", count=1)
    state.set_fault("503", count=1)

    assert [gateway.call("balance").status_code for _ in range(3)] == [502, 503, 200]
    state.set_fault("500", rate=1.0)
    state.clear_faults()
    assert gateway.call("balance").status_code == 200


def test_faults_over_the_control_endpoint(app, gateway):
    control = app.test_client()

    added = control.post("/_sandbox/faults", json={"mode": "503", "count": 1, "endpoints": ["prices"]})
    assert added.status_code == 200
    assert control.get("/_sandbox/faults").json["faults"][0]["mode"] == "503"
    assert gateway.call("prices").status_code == 503

    control.post("/_sandbox/faults", json={"mode": "500", "rate": 1})
    assert control.delete("/_sandbox/faults").status_code == 200
    assert gateway.call("prices").status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "418", "count": 1},
        {"mode": "500"},
        {"mode": "500", "count": 1, "rate": 0.5},
        {"mode": "500", "rate": 1.5},
        {"mode": "500", "count": 0},
        {"mode": "500", "count": 1, "endpoints": ["orders"]},
        {"mode": "data_null", "count": 1, "endpoints": ["token"]},
        {"mode": "500", "count": 1, "colour": "red"},
    ],
)
def test_nonsense_fault_is_refused_with_400(app, fault):
    reply = app.test_client().post("/_sandbox/faults", json=fault)

    assert reply.status_code == 400
    assert reply.json["error"]


def test_valid_body_helper_is_accepted_so_fault_tests_measure_the_fault(gateway):
    assert gateway.call("stock", body=valid_body("stock")).json["success"] is True
