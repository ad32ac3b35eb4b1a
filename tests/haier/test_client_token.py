"""Token: reply variants, expiry and refresh margin, the 401 path, fallback URL, sharing."""

from __future__ import annotations

import threading

import pytest
from _haier_fakes import (
    BASE,
    STOCK_URL,
    TOKEN_URL,
    FakeClock,
    make_client,
    make_jwt,
    mock_token,
    ok,
)

from dashboard.haier import (
    HaierAPI,
    HaierAuthError,
    HaierConfigError,
    HaierError,
    HaierProtocolError,
    HaierSettings,
    LocalTokenStore,
)
from dashboard.haier.token import clear_shared_token_stores, token_from_reply

ROW = {"secCode": "HFR2", "stock": "3", "warehouseGrade": "0"}


@pytest.mark.parametrize(
    "reply",
    [
        {"access_token": "T"},
        {"token": "T"},
        {"data": {"access_token": "T"}},
        {"data": {"token": "T"}},
        {"success": True, "data": {"token": "T", "expires_in": "3600"}},
    ],
    ids=["access_token", "token", "data.access_token", "data.token", "envelope"],
)
def test_token_is_read_from_each_documented_field(requests_mock, reply):
    requests_mock.post(TOKEN_URL, json=reply)
    assert make_client().authenticate() == "T"


def test_token_request_is_client_credentials_json(requests_mock):
    token = mock_token(requests_mock)
    make_client().authenticate()
    assert token.last_request.json() == {
        "client_id": "client-1",
        "client_secret": "client-secret-XYZ",
        "grant_type": "client_credentials",
    }
    assert token.last_request.headers["Content-Type"] == "application/json"


def test_reply_without_a_token_is_a_protocol_error(requests_mock):
    requests_mock.post(TOKEN_URL, json={"token_type": "bearer", "expires_in": 3600})
    with pytest.raises(HaierProtocolError) as info:
        make_client().authenticate()
    assert info.value.endpoint == "token"


def test_bad_credentials_are_an_auth_error(requests_mock):
    requests_mock.post(TOKEN_URL, status_code=401, json={"error": "invalid_client"})
    with pytest.raises(HaierAuthError) as info:
        make_client().authenticate()
    assert info.value.status == 401


def test_success_false_token_reply_is_an_auth_error(requests_mock):
    requests_mock.post(TOKEN_URL, json={"success": False, "errorMsg": "client disabled"})
    with pytest.raises(HaierAuthError, match="client disabled"):
        make_client().authenticate()


def test_success_false_token_reply_never_echoes_the_client_secret(requests_mock):
    requests_mock.post(TOKEN_URL, json={"success": False, "errorMsg": "bad secret client-secret-XYZ"})
    with pytest.raises(HaierAuthError) as info:
        make_client().authenticate()
    assert "client-secret-XYZ" not in str(info.value)
    assert "bad secret ***" in str(info.value)


def test_missing_credentials_fail_before_any_call(requests_mock):
    client = make_client(HAIER_CLIENT_SECRET="")
    with pytest.raises(HaierConfigError) as info:
        client.check_stock("GA0SZC00U", "110105")
    assert info.value.setting == "HAIER_CLIENT_SECRET"
    assert requests_mock.call_count == 0


def test_expiry_is_the_earlier_of_expires_in_and_jwt_exp():
    jwt_exp = make_jwt(exp=1000 + 1800)
    info = token_from_reply({"access_token": jwt_exp, "expires_in": 3600}, now=1000, margin=600)
    assert info.expires_at == 2800
    assert info.refresh_at == 2200
    info = token_from_reply({"access_token": "opaque"}, now=1000, margin=600)
    assert (info.expires_at, info.refresh_at) == (4600, 4000)


def test_short_lived_token_keeps_half_its_life_instead_of_refetching_every_call():
    info = token_from_reply({"access_token": "t", "expires_in": 60}, now=0, margin=600)
    assert (info.expires_at, info.refresh_at) == (60, 30)


def test_token_already_expired_on_arrival_is_refused():
    with pytest.raises(Exception, match="already expired"):
        token_from_reply({"access_token": make_jwt(exp=999)}, now=1000, margin=600)


def test_token_is_reused_until_the_refresh_margin_then_refetched(requests_mock):
    clock = FakeClock()
    token = requests_mock.post(
        TOKEN_URL,
        [
            {"json": {"access_token": "first", "expires_in": 3600}},
            {"json": {"access_token": "second"}},
        ],
    )
    stock = requests_mock.post(STOCK_URL, json=ok([ROW]))
    client = make_client(clock)
    client.check_stock("GA0SZC00U", "110105")
    clock.advance(2999)  # refresh due at 3000 s (3600 - 600)
    client.check_stock("GA0SZC00U", "110105")
    assert token.call_count == 1
    clock.advance(2)
    client.check_stock("GA0SZC00U", "110105")
    assert token.call_count == 2
    assert stock.last_request.headers["Authorization"] == "second"


def test_failed_refresh_inside_the_margin_keeps_the_still_valid_token(requests_mock):
    clock = FakeClock()
    requests_mock.post(
        TOKEN_URL,
        [{"json": {"access_token": "first", "expires_in": 3600}}, {"status_code": 401}],
    )
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    client = make_client(clock)
    client.check_stock("GA0SZC00U", "110105")
    clock.advance(3100)
    client.check_stock("GA0SZC00U", "110105")
    assert requests_mock.last_request.headers["Authorization"] == "first"


def test_token_is_never_used_past_its_expiry(requests_mock):
    clock = FakeClock()
    requests_mock.post(
        TOKEN_URL,
        [{"json": {"access_token": "first", "expires_in": 3600}}, {"status_code": 401}],
    )
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    client = make_client(clock)
    client.check_stock("GA0SZC00U", "110105")
    clock.advance(3600)
    with pytest.raises(HaierAuthError):
        client.check_stock("GA0SZC00U", "110105")


def test_401_on_a_call_refreshes_once_and_repeats_once(requests_mock):
    token = requests_mock.post(
        TOKEN_URL,
        [{"json": {"access_token": "old"}}, {"json": {"access_token": "new"}}],
    )
    stock = requests_mock.post(STOCK_URL, [{"status_code": 401}, {"json": ok([ROW])}])
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert result.total == 3
    assert token.call_count == 2
    assert [r.headers["Authorization"] for r in stock.request_history] == ["old", "new"]


def test_second_401_is_an_auth_error(requests_mock):
    records = []
    token = requests_mock.post(
        TOKEN_URL,
        [{"json": {"access_token": "old"}}, {"json": {"access_token": "new"}}],
    )
    stock = requests_mock.post(STOCK_URL, status_code=401)
    with pytest.raises(HaierAuthError) as info:
        make_client(records=records).check_stock("GA0SZC00U", "110105")
    assert info.value.status == 401
    assert (token.call_count, stock.call_count) == (2, 2)
    call = next(r for r in records if r.endpoint == "check_stock")
    assert (call.outcome, call.attempts) == ("auth_error", 2)


@pytest.mark.parametrize("status", [404, 405])
def test_oauth2_token_fallback_on_404_or_405(requests_mock, status):
    requests_mock.post(TOKEN_URL, status_code=status)
    fallback = requests_mock.post(f"{BASE}/oauth2/token", json={"access_token": "via-token"})
    client = make_client()
    assert client.authenticate() == "via-token"
    assert client.authenticate() == "via-token"
    # Once the fallback answered, the client goes there directly.
    assert requests_mock.call_count == 3 and fallback.call_count == 2


def test_no_fallback_for_a_custom_token_url(requests_mock):
    requests_mock.post(f"{BASE}/custom/token", status_code=404)
    with pytest.raises(HaierProtocolError):
        make_client(HAIER_TOKEN_URL=f"{BASE}/custom/token").authenticate()
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(("scheme", "header"), [("bare", "tok-1"), ("bearer", "Bearer tok-1")])
def test_auth_scheme_setting(requests_mock, scheme, header):
    mock_token(requests_mock)
    stock = requests_mock.post(STOCK_URL, json=ok([ROW]))
    make_client(HAIER_AUTH_SCHEME=scheme).check_stock("GA0SZC00U", "110105")
    assert stock.last_request.headers["Authorization"] == header


def test_authenticate_forces_a_new_token(requests_mock):
    token = requests_mock.post(TOKEN_URL, [{"json": {"access_token": "a"}}, {"json": {"access_token": "b"}}])
    client = make_client()
    assert [client.authenticate(), client.authenticate()] == ["a", "b"]
    assert token.call_count == 2


def test_sixteen_threads_due_for_a_token_trigger_one_fetch(requests_mock):
    fetching = threading.Event()
    release = threading.Event()

    def slow_token(request, context):
        fetching.set()
        release.wait(5)
        return {"access_token": "shared"}

    token = requests_mock.post(TOKEN_URL, json=slow_token)
    stock = requests_mock.post(STOCK_URL, json=ok([ROW]))
    client = make_client()
    errors = []

    def call():
        try:
            client.check_stock("GA0SZC00U", "110105")
        except HaierError as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    assert fetching.wait(5)
    release.set()
    for t in threads:
        t.join(5)
    assert errors == []
    assert token.call_count == 1
    assert stock.call_count == 16
    assert {r.headers["Authorization"] for r in stock.request_history} == {"shared"}


def test_two_clients_with_the_same_settings_share_one_token(requests_mock):
    clear_shared_token_stores()
    token = mock_token(requests_mock)
    requests_mock.post(STOCK_URL, json=ok([ROW]))
    settings = HaierSettings.from_mapping(
        {
            "HAIER_BASE_URL": BASE,
            "HAIER_CLIENT_ID": "shared-id",
            "HAIER_CLIENT_SECRET": "x" * 8,
            "HAIER_CUSTOMER_CODE": "1",
            "HAIER_SEND_TO_CODE": "2",
            "HAIER_SELLER_PASSWORD": "p" * 6,
        }
    )
    try:
        first, second = HaierAPI(settings), HaierAPI(settings)
        assert first.token_store is second.token_store
        first.check_stock("GA0SZC00U", "110105")
        second.check_stock("GA0SZC00U", "110105")
        assert token.call_count == 1
    finally:
        clear_shared_token_stores()


def test_a_stale_token_is_replaced_once_for_all_waiting_threads():
    store = LocalTokenStore(wall_clock=lambda: 0.0)
    fetches = []

    def fetch():
        fetches.append(1)
        return token_from_reply({"access_token": f"t{len(fetches)}"}, now=0.0, margin=600)

    first = store.get(fetch)
    # Several callers report the same refused token: only the first one fetches.
    assert [store.get(fetch, stale=first) for _ in range(3)] == ["t2", "t2", "t2"]
    assert len(fetches) == 2
