"""Retries: what is retried, how long we wait, and where we stop."""

from __future__ import annotations

import pytest
import requests
from _haier_fakes import STOCK_URL, FakeClock, make_client, mock_token, ok

from dashboard.haier import (
    HaierAuthError,
    HaierBusinessError,
    HaierProtocolError,
    HaierUnavailable,
)
from dashboard.haier.transport import make_session

ROW = {"secCode": "HFR2", "stock": "5", "warehouseGrade": "0"}
GOOD = {"json": ok([ROW])}


@pytest.fixture
def token(requests_mock):
    return mock_token(requests_mock)


@pytest.mark.parametrize(
    "failure",
    [
        {"exc": requests.exceptions.ConnectionError},
        {"exc": requests.exceptions.ConnectTimeout},
        {"exc": requests.exceptions.ReadTimeout},
        {"status_code": 502},
        {"status_code": 503},
        {"status_code": 504},
        {"status_code": 429},
    ],
    ids=["connection", "connect-timeout", "read-timeout", "502", "503", "504", "429"],
)
def test_transient_failure_is_retried_then_succeeds(requests_mock, token, failure):
    clock, records = FakeClock(), []
    stock = requests_mock.post(STOCK_URL, [failure, failure, GOOD])
    result = make_client(clock, records).check_stock("GA0SZC00U", "110105")
    assert result.total == 5
    assert stock.call_count == 3
    assert clock.sleeps == [0.5, 1.0]  # exponential backoff (jitter pinned to its top)
    call = records[-1]
    assert (call.outcome, call.attempts, call.retries) == ("ok", 3, 2)


def test_backoff_is_jittered_between_half_and_full_step(requests_mock, token):
    clock = FakeClock()
    requests_mock.post(STOCK_URL, [{"status_code": 503}, {"status_code": 503}, GOOD])
    client = make_client(clock)
    client._transport.jitter = lambda: 0.0
    client.check_stock("GA0SZC00U", "110105")
    assert clock.sleeps == [0.25, 0.5]


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_attempts_are_bounded_and_the_reason_kept(requests_mock, token, status):
    stock = requests_mock.post(STOCK_URL, status_code=status)
    with pytest.raises(HaierUnavailable) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert stock.call_count == 3
    assert (info.value.attempts, info.value.status) == (3, status)
    assert info.value.reason == f"HTTP {status}"
    assert info.value.endpoint == "check_stock"


def test_timeouts_exhausted_are_unavailable_not_zero(requests_mock, token):
    requests_mock.post(STOCK_URL, exc=requests.exceptions.ReadTimeout)
    with pytest.raises(HaierUnavailable) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert (info.value.reason, info.value.attempts, info.value.status) == (
        "timeout",
        3,
        None,
    )


def test_retry_after_is_honoured(requests_mock, token):
    clock, records = FakeClock(), []
    requests_mock.post(STOCK_URL, [{"status_code": 429, "headers": {"Retry-After": "7"}}, GOOD])
    make_client(clock, records).check_stock("GA0SZC00U", "110105")
    assert clock.sleeps == [7.0]
    assert records[-1].rate_limited == 1


def test_retry_after_beyond_the_deadline_gives_up_at_once(requests_mock, token):
    clock = FakeClock()
    stock = requests_mock.post(STOCK_URL, status_code=429, headers={"Retry-After": "120"})
    with pytest.raises(HaierUnavailable) as info:
        make_client(clock, HAIER_DEADLINE_SECONDS=60).check_stock("GA0SZC00U", "110105")
    assert stock.call_count == 1
    assert clock.sleeps == []
    assert "deadline" in info.value.reason


def test_total_deadline_stops_retries_before_the_attempt_limit(requests_mock, token):
    clock = FakeClock()

    def slow_503(request, context):
        clock.advance(4)  # each attempt takes 4 s before the gateway answers
        context.status_code = 503
        return ""

    stock = requests_mock.post(STOCK_URL, text=slow_503)
    client = make_client(clock, HAIER_MAX_ATTEMPTS=10, HAIER_DEADLINE_SECONDS=10)
    with pytest.raises(HaierUnavailable) as info:
        client.check_stock("GA0SZC00U", "110105")
    # 4 s + 0.5 s backoff + 4 s + 1 s backoff leaves 0.5 s: the third attempt gets only that
    # as its timeouts, and the next 2 s backoff would pass the deadline.
    assert stock.call_count == 3
    assert stock.last_request.timeout == (0.5, 0.5)
    assert info.value.attempts == 3
    assert "deadline" in info.value.reason


def test_read_timeout_is_cut_to_what_is_left_of_the_deadline(requests_mock, token):
    stock = requests_mock.post(STOCK_URL, json=ok([ROW]))
    make_client(HAIER_READ_TIMEOUT=30, HAIER_DEADLINE_SECONDS=12).check_stock("GA0SZC00U", "110105")
    assert stock.last_request.timeout == (5.0, 12.0)


def test_timeouts_come_from_settings(requests_mock, token):
    stock = requests_mock.post(STOCK_URL, json=ok([ROW]))
    make_client(HAIER_CONNECT_TIMEOUT=2, HAIER_READ_TIMEOUT=9).check_stock("GA0SZC00U", "110105")
    assert stock.last_request.timeout == (2.0, 9.0)


@pytest.mark.parametrize(
    ("reply", "error", "outcome"),
    [
        ({"status_code": 500}, HaierUnavailable, "unavailable"),
        (
            {"status_code": 400, "json": {"success": False, "msg": "countyCode 无效"}},
            HaierBusinessError,
            "business_error",
        ),
        ({"status_code": 403}, HaierAuthError, "auth_error"),
        ({"status_code": 404}, HaierProtocolError, "protocol_error"),
        (
            {"json": {"success": False, "errorMsg": "商品暂不可采", "data": None}},
            HaierBusinessError,
            "business_error",
        ),
        ({"text": "<html>oops"}, HaierProtocolError, "protocol_error"),
    ],
    ids=["500", "400", "403", "404", "success-false", "malformed"],
)
def test_non_retryable_answers_are_not_retried(requests_mock, token, reply, error, outcome):
    clock, records = FakeClock(), []
    stock = requests_mock.post(STOCK_URL, **reply)
    with pytest.raises(error):
        make_client(clock, records).check_stock("GA0SZC00U", "110105")
    assert stock.call_count == 1
    assert clock.sleeps == []
    assert (records[-1].outcome, records[-1].attempts) == (outcome, 1)


def test_bad_request_message_is_kept(requests_mock, token):
    requests_mock.post(STOCK_URL, status_code=400, json={"success": False, "msg": "countyCode 无效"})
    with pytest.raises(HaierBusinessError, match="countyCode 无效") as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert info.value.status == 400


def test_session_pools_connections_for_many_threads():
    adapter = make_session().get_adapter("https://openplat-bj-aliyun.haier.net")
    assert adapter._pool_maxsize >= 32
    assert adapter.max_retries.total == 0
