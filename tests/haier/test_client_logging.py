"""One structured log line per call, the observer hook, and secrets kept out of every text."""

from __future__ import annotations

import logging

import pytest
import requests
from _haier_fakes import (
    CLIENT_SECRET,
    PASSWORD,
    SELLER_PASSWORD,
    STOCK_URL,
    TOKEN_URL,
    make_client,
    make_jwt,
    ok,
)
from flask import Flask

from dashboard.haier import (
    CallRecord,
    HaierAPI,
    HaierAuthError,
    HaierProtocolError,
    HaierSettings,
    HaierUnavailable,
    get_haier_client,
    init_app,
)

SECRETS = (CLIENT_SECRET, PASSWORD, SELLER_PASSWORD)
ROW = {"secCode": "HFR2", "stock": "5", "warehouseGrade": "0"}


@pytest.fixture
def jwt_token(requests_mock):
    token = make_jwt(exp=4_000_000_000)
    requests_mock.post(TOKEN_URL, json={"access_token": token})
    return token


def assert_clean(text: str, token: str | None = None) -> None:
    for secret in (*SECRETS, *((token,) if token else ())):
        assert secret not in text


def test_one_structured_line_per_call(requests_mock, jwt_token, caplog):
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    caplog.set_level(logging.INFO, logger="dashboard.haier")
    make_client().check_stock("GA0SZC00U", "110105")
    lines = [r for r in caplog.records if getattr(r, "haier_endpoint", None) == "check_stock"]
    assert len(lines) == 1
    line = lines[0]
    assert line.name == "dashboard.haier"
    assert (line.haier_outcome, line.haier_attempts, line.haier_retries) == ("ok", 1, 0)
    assert (line.haier_product_code, line.haier_county_code) == ("GA0SZC00U", "110105")
    assert line.haier_http_status == 200
    assert isinstance(line.haier_duration_ms, float)
    assert "check_stock ok" in line.getMessage() and "product=GA0SZC00U" in line.getMessage()
    assert [r.haier_endpoint for r in caplog.records if hasattr(r, "haier_endpoint")] == [
        "token",
        "check_stock",
    ]


def test_observers_get_a_record_for_the_token_and_the_call(requests_mock, jwt_token):
    records: list[CallRecord] = []
    requests_mock.post(STOCK_URL, [{"status_code": 429}, {"json": ok([ROW])}])
    make_client(records=records).check_stock("GA0SZC00U", "110105")
    token, call = records
    assert (token.endpoint, token.outcome, token.attempts) == ("token", "ok", 1)
    assert (call.endpoint, call.outcome, call.attempts, call.retries) == (
        "check_stock",
        "ok",
        2,
        1,
    )
    assert (call.rate_limited, call.http_status) == (1, 200)
    assert call.duration_s >= 0


def test_failing_observer_is_logged_and_the_call_still_succeeds(requests_mock, jwt_token, caplog):
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    client = make_client()

    def broken(record):
        raise RuntimeError("metrics down")

    client.observers.append(broken)
    assert client.check_stock("GA0SZC00U", "110105").total == 5
    assert any("observer" in r.getMessage() and r.exc_info for r in caplog.records)


def test_secrets_never_in_reprs():
    client = make_client()
    for text in (
        repr(client),
        str(client),
        repr(client.settings),
        str(client.settings),
    ):
        assert_clean(text)
        assert "***" in text or "HaierAPI" in text


def test_secrets_masked_in_protocol_errors_and_their_log_line(requests_mock, jwt_token, caplog):
    # A gateway that echoes our request back in an error page.
    echo = (
        f'<html>bad {{"sellerPassword": "{SELLER_PASSWORD}", "Authorization": "{jwt_token}",'
        f' "client_secret": "{CLIENT_SECRET}", "passWord": "{PASSWORD}"}}'
    )
    requests_mock.post(STOCK_URL, text=echo)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(HaierProtocolError) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    error = info.value
    assert "bad" in error.raw_body
    for text in (str(error), repr(error), error.raw_body, caplog.text):
        assert_clean(text, jwt_token)


def test_secrets_masked_in_business_and_auth_errors(requests_mock, jwt_token, caplog):
    caplog.set_level(logging.DEBUG)
    requests_mock.post(
        STOCK_URL,
        json={"success": False, "errorMsg": f"密码 {SELLER_PASSWORD} 错误 {jwt_token}"},
    )
    with pytest.raises(Exception) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert_clean(str(info.value) + repr(info.value) + caplog.text, jwt_token)
    assert "密码 *** 错误" in str(info.value)


def test_secrets_masked_when_unavailable_or_refused(requests_mock, caplog):
    caplog.set_level(logging.DEBUG)
    requests_mock.post(TOKEN_URL, exc=requests.exceptions.ConnectionError(f"boom {CLIENT_SECRET}"))
    with pytest.raises(HaierUnavailable) as info:
        make_client().authenticate()
    requests_mock.post(TOKEN_URL, status_code=401, text=f"bad secret {CLIENT_SECRET}")
    with pytest.raises(HaierAuthError) as refused:
        make_client().authenticate()
    texts = (
        str(info.value),
        repr(info.value),
        str(refused.value),
        repr(refused.value),
        caplog.text,
    )
    for text in texts:
        assert_clean(text)


def test_init_app_builds_the_client_from_config_with_registered_observers(requests_mock, jwt_token):
    app = Flask("t")
    app.config.update(
        HAIER_BASE_URL="https://haier.test",
        HAIER_CLIENT_ID="client-1",
        HAIER_CLIENT_SECRET=CLIENT_SECRET,
        HAIER_CUSTOMER_CODE="8800633175",
        HAIER_SEND_TO_CODE="8800633176",
        HAIER_SELLER_PASSWORD=SELLER_PASSWORD,
        HAIER_SUPPLIER_CODE="",
    )
    seen: list[CallRecord] = []
    app.extensions.setdefault("haier_observers", []).append(seen.append)
    init_app(app)
    late: list[CallRecord] = []
    app.extensions["haier_observers"].append(late.append)  # registered after init_app
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    with app.app_context():
        client = get_haier_client()
        assert isinstance(client, HaierAPI)
        assert client.settings.supplier_code == "1001"
        client.authenticate()
        client.check_stock("GA0SZC00U", "110105")
    assert [r.endpoint for r in seen][-1] == "check_stock"
    assert [r.endpoint for r in late][-1] == "check_stock"
    assert isinstance(client.settings, HaierSettings)
